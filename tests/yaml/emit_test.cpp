// yaml::emitYaml: block YAML (libyaml's emitter) that the reader parses back to the same JSON.
#include <gtest/gtest.h>

#include "yaml/emit.h"
#include "yaml/file.h"
#include "yaml/reader.h"

namespace aviary::yaml {
namespace {

using Json = nlohmann::json;

std::string emit(const Json& value) {
  auto text = emitYaml(value);
  EXPECT_TRUE(text) << value.dump();
  return text ? *text : std::string();
}

Json parseBack(const std::string& text) {
  ErrorList errors, warnings;
  Document doc;
  EXPECT_TRUE(parseText(text, "e.yaml", doc, errors)) << text;
  Sink sink("e.yaml", errors, warnings);
  Json out;
  EXPECT_TRUE(toJson(sink, doc.root(), "", out)) << text;
  return out;
}

TEST(EmitTest, KubectlLayout) {
  Json deployment = Json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"podinfo","labels":{"app":"podinfo"},"annotations":{}},
    "spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"podinfod","image":"podinfo:3.1.0",
    "ports":[{"containerPort":9898}],"args":["--port=9898","--level=info"]}]}},"paused":false,"tolerations":[]}})");
  EXPECT_EQ(emit(deployment),
            "apiVersion: apps/v1\n"
            "kind: Deployment\n"
            "metadata:\n"
            "  annotations: {}\n"
            "  labels:\n"
            "    app: podinfo\n"
            "  name: podinfo\n"
            "spec:\n"
            "  paused: false\n"
            "  replicas: 2\n"
            "  template:\n"
            "    spec:\n"
            "      containers:\n"
            "      - args:\n"
            "        - \"--port=9898\"\n"
            "        - \"--level=info\"\n"
            "        image: podinfo:3.1.0\n"
            "        name: podinfod\n"
            "        ports:\n"
            "        - containerPort: 9898\n"
            "  tolerations: []\n");
  EXPECT_EQ(parseBack(emit(deployment)), deployment);
}

TEST(EmitTest, StringsThatWouldReadAsSomethingElseAreQuoted) {
  Json v = {{"a", "true"},
            {"b", "10"},
            {"c", "1.5"},
            {"d", ""},
            {"e", "null"},
            {"f", "x: y"},
            {"g", "#c"},
            {"h", "- item"},
            {"i", " lead"},
            {"j", "line\nbreak"},
            {"k", "No"},
            {"l", "*"},
            {"m", "ü"},
            {"80", 80},
            {"n", nullptr},
            {"o", 2.5},
            {"p", {{"q", {{"r", Json::array({Json::array({1, 2})})}}}}}};
  const std::string text = emit(v);
  EXPECT_NE(text.find("a: \"true\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\"80\": 80\n"), std::string::npos) << text;
  EXPECT_EQ(parseBack(text), v) << text;
}

TEST(EmitTest, Scalars) {
  EXPECT_EQ(emit(Json::object()), "{}\n");
  EXPECT_EQ(emit(Json("x")), "x\n");
  EXPECT_EQ(emit(Json::array({"a", Json::object({{"b", 1}})})), "- a\n- b: 1\n");
}

}  // namespace
}  // namespace aviary::yaml
