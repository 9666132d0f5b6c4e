// The aviary.dev/v1alpha1 Workload: decoding with defaults and positions, validation, the revision
// fingerprint, $(VAR) expansion, and a Canary's targetRef to a Workload.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/validate.h"
#include "api/workload.h"
#include "test_util.h"

namespace aviary::api {
namespace {

using ::testing::HasSubstr;
using testing::report;

const char* kWorkload = R"yaml(apiVersion: aviary.dev/v1alpha1
kind: Workload
metadata:
  name: podinfo
  namespace: test
spec:
  version: "3.1.0"
  replicas: 2
  command: aviary
  args: [podinfo, --port, "$(PORT)", --version, "$(VERSION)"]
  env:
  - name: PODINFO_UI_COLOR
    value: "#34577c"
  port: 9898
  readinessProbe:
    httpGet: {path: /readyz}
)yaml";

std::string with(const std::string& from, const std::string& to) {
  std::string s = kWorkload;
  auto at = s.find(from);
  return at == std::string::npos ? "REPLACEMENT NOT FOUND: " + from : s.replace(at, from.size(), to);
}

Workload decodeOne(const std::string& text) {
  auto loaded = loadString(text, "w.yaml");
  EXPECT_TRUE(loaded.ok()) << (loaded.errors.empty() ? "" : loaded.errors[0].format());
  EXPECT_EQ(loaded.workloads.size(), 1u);
  return loaded.workloads.empty() ? Workload{} : loaded.workloads[0];
}

TEST(Workload, DecodesWithKubernetesDefaults) {
  Workload w = decodeOne(kWorkload);
  EXPECT_EQ(w.key(), "test/podinfo");
  EXPECT_EQ(w.spec.version, "3.1.0");
  EXPECT_EQ(w.spec.replicas, 2);
  EXPECT_EQ(w.spec.command, "aviary");
  EXPECT_EQ(w.spec.args.size(), 5u);
  ASSERT_EQ(w.spec.env.size(), 1u);
  EXPECT_EQ(w.spec.env[0].value, "#34577c");
  EXPECT_EQ(w.spec.workingDir, ".");
  EXPECT_EQ(w.spec.port, 9898);
  ASSERT_TRUE(w.spec.readinessProbe);
  EXPECT_EQ(w.spec.readinessProbe->path, "/readyz");
  EXPECT_EQ(w.spec.readinessProbe->periodSeconds, 1);
  EXPECT_EQ(w.spec.readinessProbe->timeoutSeconds, 1);
  EXPECT_EQ(w.spec.readinessProbe->failureThreshold, 3);
  EXPECT_EQ(w.spec.readinessProbe->successThreshold, 1);
  EXPECT_EQ(w.spec.terminationGracePeriodSeconds, 30);
  EXPECT_EQ(w.positions.at("spec.port").line, 14);
  EXPECT_EQ(manifestDir(w), ".");

  Workload minimal = decodeOne(
      "apiVersion: aviary.dev/v1alpha1\nkind: Workload\nmetadata: {name: w}\nspec: {command: ./run, port: 80}\n");
  EXPECT_EQ(minimal.spec.replicas, 1);
  EXPECT_FALSE(minimal.spec.readinessProbe);
  EXPECT_EQ(report(kWorkload), "ok  Workload test/podinfo\n");
}

TEST(Workload, StructuralErrorsAllAtOnceWithPositions) {
  std::string text = with("  replicas: 2\n  command: aviary\n", "  replicas: -1\n  colour: red\n");
  text += "  terminationGracePeriodSeconds: soon\n";
  text = text.replace(text.find("  port: 9898\n"), 13, "  port: 70000\n");
  text = text.replace(text.find("[podinfo,"), 9, "[7,");
  std::string out = report(text);
  EXPECT_THAT(out, HasSubstr("t.yaml:8:13: spec.replicas: "));
  EXPECT_THAT(out, HasSubstr("spec.colour: "));
  EXPECT_THAT(out, HasSubstr("spec.command: required field is missing"));
  EXPECT_THAT(out, HasSubstr("t.yaml:10:10: spec.args[0]: expected a string, found integer 7 (quote it"));
  EXPECT_THAT(out, HasSubstr("spec.port: "));
  EXPECT_THAT(out, HasSubstr("spec.terminationGracePeriodSeconds: expected an integer"));
  EXPECT_THAT(out, HasSubstr("invalid  Workload test/podinfo: 6 errors"));
  EXPECT_TRUE(loadString(text, "t.yaml").workloads.empty()) << "nothing half-applied";
}

TEST(Workload, WrongVersionOrKindIsAnError) {
  EXPECT_THAT(report(with("aviary.dev/v1alpha1", "aviary.dev/v1")),
              HasSubstr("t.yaml:1:13: apiVersion: must be aviary.dev/v1alpha1 for a Workload, found \"aviary.dev/v1\""));
  EXPECT_THAT(report(with("kind: Workload", "kind: Deployment")),
              HasSubstr("kind: must be Workload for aviary.dev/v1alpha1, found \"Deployment\""));
  EXPECT_THAT(report(with("aviary.dev/v1alpha1", "flagger.app/v1beta1")),
              HasSubstr("apiVersion: must be aviary.dev/v1alpha1 for a Workload"));
  EXPECT_THAT(report(with("aviary.dev/v1alpha1", "v1")), HasSubstr("apiVersion: must be aviary.dev/v1alpha1"));
  EXPECT_EQ(report(with("aviary.dev/v1alpha1", "kueue.x-k8s.io/v1beta1")),
            "skip  Workload test/podinfo (kueue.x-k8s.io/v1beta1 is not a flagger.app or aviary.dev resource)\n")
      << "another group's Workload is not ours";
}

TEST(Workload, SemanticChecks) {
  std::string out = report(with("  env:\n  - name: PODINFO_UI_COLOR\n    value: \"#34577c\"\n",
                                "  env:\n  - {name: A, value: \"$(B)\"}\n  - {name: B, value: x}\n"
                                "  - {name: A, value: y}\n  - {name: PORT, value: \"1\"}\n  - {name: \"X=Y\"}\n"));
  EXPECT_THAT(out, HasSubstr("spec.env[0].value: $(B) is not defined"));
  EXPECT_THAT(out, HasSubstr("warning: spec.env[2].name: expected each name once, found \"A\" again"));
  EXPECT_THAT(out, HasSubstr("warning: spec.env[3].name: $PORT is set by the platform"));
  EXPECT_THAT(out, HasSubstr("spec.env[4].name: expected a variable name without '='"));
  EXPECT_THAT(report(with("$(VERSION)", "$(VERSON)")), HasSubstr("warning: spec.args[4]: $(VERSON) is not defined"));
  EXPECT_THAT(report(with("path: /readyz", "path: readyz")),
              HasSubstr("spec.readinessProbe.httpGet.path: expected an absolute path starting with '/'"));
  EXPECT_THAT(report(with("command: aviary", "command: aviary-no-such-binary-here")),
              HasSubstr("warning: spec.command: expected an executable in PATH, found none"));
  EXPECT_THAT(report(with("command: aviary", "command: ./missing/bin")),
              HasSubstr("warning: spec.command: expected an executable file, found none at missing/bin"));
  EXPECT_EQ(report(with("command: aviary", "command: /bin/sh")), "ok  Workload test/podinfo\n");
}

TEST(Workload, RevisionCoversTheProcessButNotReplicasOrGrace) {
  const std::string base = workloadRevision(decodeOne(kWorkload));
  EXPECT_EQ(base.size(), 16u);
  EXPECT_EQ(base, workloadRevision(decodeOne(kWorkload))) << "stable";
  EXPECT_EQ(base, workloadRevision(decodeOne(with("replicas: 2", "replicas: 5"))));
  EXPECT_EQ(base, workloadRevision(decodeOne(with("  port: 9898\n", "  port: 9898\n  terminationGracePeriodSeconds: 3\n"))));
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"3.1.0\"", "\"3.2.0\""},
           {"command: aviary", "command: /bin/aviary"},
           {"--version, ", ""},
           {"#34577c", "#ff0000"},
           {"port: 9898", "port: 9899"},
           {"path: /readyz", "path: /healthz"},
           {"  port: 9898\n", "  port: 9898\n  workingDir: /tmp\n"}}) {
    EXPECT_NE(base, workloadRevision(decodeOne(with(from, to)))) << from << " -> " << to;
  }
}

TEST(Workload, ExpandsVariablesAsKubernetesDoes) {
  auto lookup = [](std::string_view n) -> std::optional<std::string> {
    if (n == "PORT") return "8080";
    if (n == "EMPTY") return "";
    return std::nullopt;
  };
  EXPECT_EQ(expandVars("--port=$(PORT)", lookup), "--port=8080");
  EXPECT_EQ(expandVars("$$(PORT)", lookup), "$(PORT)");
  EXPECT_EQ(expandVars("$$$(PORT)", lookup), "$8080");
  EXPECT_EQ(expandVars("$(NOPE)-$(EMPTY)", lookup), "$(NOPE)-");
  EXPECT_EQ(expandVars("$(PORT", lookup), "$(PORT");
  EXPECT_EQ(expandVars("a$b$", lookup), "a$b$");
  EXPECT_EQ(referencedVars("$(A)$$(B)$(C"), (std::vector<std::string>{"A"}));
}

TEST(Workload, CanaryTargetRef) {
  using testing::canaryWith;
  const std::string target = "    apiVersion: apps/v1\n    kind: Deployment\n    name: podinfo\n";
  std::string canary = canaryWith(target, "    apiVersion: aviary.dev/v1alpha1\n    kind: Workload\n    name: podinfo\n");
  EXPECT_EQ(report(canary), "ok  Canary test/podinfo\n");
  EXPECT_EQ(report(canary + "---\n" + kWorkload), "ok  Canary test/podinfo\nok  Workload test/podinfo\n");
  EXPECT_THAT(report(canaryWith(target, "    apiVersion: apps/v1\n    kind: Workload\n    name: podinfo\n")),
              HasSubstr("spec.targetRef.apiVersion: expected aviary.dev/v1alpha1 for a Workload, found \"apps/v1\""));
  EXPECT_THAT(report(canaryWith(target, "    apiVersion: aviary.dev/v1alpha1\n    kind: Deployment\n    name: podinfo\n")),
              HasSubstr("spec.targetRef.kind: expected Workload for aviary.dev/v1alpha1"));
  std::string other = kWorkload;
  other.replace(other.find("name: podinfo"), 13, "name: other");
  EXPECT_THAT(report(canary + "---\n" + other),
              HasSubstr("spec.targetRef.name: expected the name of a Workload in namespace \"test\" among the given "
                        "files, found \"podinfo\""));
}

}  // namespace
}  // namespace aviary::api
