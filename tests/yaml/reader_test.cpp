// yaml/reader.h and yaml/file.h: every problem as `FILE:LINE:COL: field.path: expected..., found...`,
// all of them at once; single-document files and their syntax errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "yaml/file.h"
#include "yaml/reader.h"

namespace aviary::yaml {
namespace {

std::string formatted(const ErrorList& errors) {
  std::string out;
  for (const auto& e : errors) out += e.format() + "\n";
  return out;
}

TEST(YamlReader, EveryProblemOnceWithPositionAndPath) {
  ErrorList errors, warnings;
  Document doc;
  ASSERT_TRUE(parseText("spec:\n  port: x\n  name: [1]\n  extra: 1\n", "f.yaml", doc, errors));
  Sink sink("f.yaml", errors, warnings);
  {
    ObjectReader root(sink, doc.root(), "", LineCol{1, 1});
    ObjectReader spec = root.child("spec");
    int32_t port = 0;
    std::string name;
    spec.int32("port", port, 1, 65535);
    spec.str("name", name);
    spec.str("missing", name, /*required=*/true);
  }
  EXPECT_EQ(formatted(errors),
            "f.yaml:2:9: spec.port: expected an integer, found string \"x\"\n"
            "f.yaml:3:9: spec.name: expected a string, found a list\n"
            "f.yaml:2:3: spec.missing: required field is missing\n"
            "f.yaml:4:3: spec.extra: unknown field \"extra\", expected one of: missing, name, port\n")
      << formatted(errors);
}

TEST(YamlReader, RecordsFieldPositions) {
  ErrorList errors, warnings;
  Document doc;
  ASSERT_TRUE(parseText("a:\n  b: 3\n", "f.yaml", doc, errors));
  Sink sink("f.yaml", errors, warnings);
  FieldPositions positions;
  sink.recordPositions(&positions);
  ObjectReader root(sink, doc.root(), "", LineCol{1, 1});
  ObjectReader a = root.child("a");
  int32_t b = 0;
  EXPECT_TRUE(a.int32("b", b, 0, 10));
  EXPECT_EQ(b, 3);
  ASSERT_NE(positions.find("a.b"), nullptr);
  EXPECT_EQ(positions.find("a.b")->line, 2);
  EXPECT_EQ(positions.find("a.b")->column, 6);
}

TEST(YamlFile, SyntaxErrorNamesFileLineAndColumn) {
  ErrorList errors;
  Document doc;
  EXPECT_FALSE(parseText("a: 1\nb: [1, 2\n", "cfg.yaml", doc, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].format().rfind("cfg.yaml:3:1: invalid YAML: did not find expected ',' or ']'", 0), 0u)
      << errors[0].format();
}

TEST(YamlFile, InvalidUtf8InAnErrorIsEscaped) {
  ErrorList errors;
  Document doc;
  EXPECT_FALSE(parseText("a: \"\xff\x01\"\n", "u.yaml", doc, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(isValidUtf8(errors[0].format())) << errors[0].format();
}

TEST(YamlFile, ReadFileReadsAllAndReportsMissingFiles) {
  const auto path = std::filesystem::temp_directory_path() / ("aviary-yaml-" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path, std::ios::binary);
    out << "a: 1\n";
  }
  std::string text;
  ASSERT_TRUE(readFile(path.string(), text));
  EXPECT_EQ(text, "a: 1\n");
  std::filesystem::remove(path);
  auto missing = readFile(path.string(), text);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::Io);
  EXPECT_NE(missing.error().message.find(path.string()), std::string::npos) << missing.error().message;
}

}  // namespace
}  // namespace aviary::yaml
