// The multi-document behaviour of loadString on top of the YAML tree (yaml/tree.h).
#include <gtest/gtest.h>

#include <string>

#include "api/decode.h"

namespace aviary::api {
namespace {

const char* kConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";

TEST(YamlLoad, BrokenMiddleDocumentDoesNotHideTheOthers) {
  std::string text = std::string(kConfigMap) + "---\na: [1\nb: 2\n---\n" + kConfigMap;
  LoadResult r = loadString(text, "m.yaml");
  ASSERT_EQ(r.documents.size(), 3u);
  EXPECT_EQ(r.documents[0].type, DocumentInfo::Type::Other);
  EXPECT_EQ(r.documents[1].type, DocumentInfo::Type::Unparsed);
  EXPECT_EQ(r.documents[2].type, DocumentInfo::Type::Other);
  EXPECT_EQ(r.documents[2].pos.line, 9);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].pos.line, 7);
  EXPECT_EQ(r.errors[0].pos.column, 2);
  EXPECT_EQ(r.errors[0].message.rfind("invalid YAML: did not find expected ',' or ']'", 0), 0u) << r.errors[0].message;
}

TEST(YamlLoad, ByteOrderMarkIsSkipped) {
  LoadResult r = loadString(std::string("\xEF\xBB\xBF") + kConfigMap, "bom.yaml");
  ASSERT_EQ(r.documents.size(), 1u);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.documents[0].type, DocumentInfo::Type::Other);
  EXPECT_EQ(r.documents[0].pos.line, 1);
  EXPECT_EQ(r.documents[0].pos.column, 1);
}

TEST(YamlLoad, CrLfLineEndings) {
  LoadResult r = loadString(
      "apiVersion: flagger.app/v1beta1\r\nkind: Canary\r\nmetadata:\r\n  name: x\r\n  bogus: 1\r\n", "crlf.yaml");
  ASSERT_FALSE(r.errors.empty());
  bool found = false;
  for (const auto& e : r.errors) {
    if (e.path == "metadata.bogus") {
      found = true;
      EXPECT_EQ(e.pos.line, 5);
      EXPECT_EQ(e.pos.column, 3);
    }
  }
  EXPECT_TRUE(found);
}

TEST(YamlLoad, AliasBombDocumentIsAnErrorNotAHang) {
  std::string bomb =
      "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: x\n  a: &a [x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'k'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string("  ") + c + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  }
  LoadResult r = loadString(bomb, "bomb.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("aliases expand"), std::string::npos) << r.errors[0].message;
}

}  // namespace
}  // namespace aviary::api
