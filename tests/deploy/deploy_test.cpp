// The operator's deployment files (deploy/kubernetes, Dockerfile) checked with the tools a user
// has: kubectl kustomize offline; kubectl apply -k against an in-process `aviary sandbox`
// (HTTPS, token) where the Deployments roll out and the seed's Canaries are stored and printed
// with Flagger's columns; the ClusterRole and Role against the table in
// docs/kubernetes-deploy.md; the CRD schemas against the seed, the examples and a malformed
// Canary with scripts/check-crd-schema.py (the sandbox does not validate schemas); the
// runtime-library list of the Dockerfile. The tests run in order and build on each other.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "../sandbox/kubectl_sandbox.h"

namespace aviary::sandbox {
namespace {

using testing::CommandResult;
using testing::runCommand;

const std::string kSource = AVIARY_SOURCE_DIR;

std::string src(const std::string& rel) { return kSource + "/" + rel; }

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int countLines(const std::string& text, const std::string& line) {
  int n = 0;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) n += l == line;
  return n;
}

class DeployTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sandbox_ = new testing::KubectlSandbox("deploy-test-token");
    ASSERT_TRUE(sandbox_->ok()) << sandbox_->error();
  }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }
  static CommandResult kubectl(std::vector<std::string> args, const std::string& input = {}) {
    return sandbox_->kubectl(std::move(args), input);
  }
  static nlohmann::json getJson(std::vector<std::string> args) { return sandbox_->getJson(std::move(args)); }
  static CommandResult checkSchema(std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/python3", src("scripts/check-crd-schema.py"), "--crds",
                                     src("deploy/kubernetes/crds.yaml")};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(argv, {}, std::chrono::seconds(60));
  }

  static testing::KubectlSandbox* sandbox_;
};

testing::KubectlSandbox* DeployTest::sandbox_ = nullptr;

TEST_F(DeployTest, KustomizeBuildsOffline) {
  // No kubeconfig at all: kustomize must not need a server.
  auto r = runCommand({"kubectl", "kustomize", src("deploy/kubernetes")}, {}, std::chrono::seconds(30),
                      {"KUBECONFIG=/nonexistent", "HOME=" + sandbox_->dir()});
  ASSERT_EQ(r.exitCode, 0) << r.describe();
  const std::pair<const char*, int> kinds[] = {
      {"Namespace", 1}, {"CustomResourceDefinition", 3}, {"ServiceAccount", 1}, {"ClusterRole", 2},
      {"ClusterRoleBinding", 1}, {"Role", 1}, {"RoleBinding", 1}, {"Deployment", 2}, {"Service", 2}};
  int total = 0;
  for (auto [kind, n] : kinds) {
    EXPECT_EQ(countLines(r.out, std::string("kind: ") + kind), n) << kind;
    total += n;
  }
  EXPECT_EQ(countLines(r.out, "---"), total - 1);
  EXPECT_NE(r.out.find("image: aviary:0.1.0"), std::string::npos);
  EXPECT_NE(r.out.find("image: aviary-loadtester:0.1.0"), std::string::npos);
  // The 7 namespaced objects and the 2 bindings' subjects.
  EXPECT_EQ(countLines(r.out, "  namespace: aviary-system"), 9) << r.out;
}

TEST_F(DeployTest, ApplyKustomizationRollsOutOnTheSandbox) {
  auto r = kubectl({"apply", "-k", src("deploy/kubernetes")});
  ASSERT_EQ(r.exitCode, 0) << r.describe();
  for (const char* want : {"customresourcedefinition.apiextensions.k8s.io/canaries.flagger.app created",
                           "clusterrole.rbac.authorization.k8s.io/aviary created", "deployment.apps/aviary created",
                           "deployment.apps/flagger-loadtester created", "service/flagger-loadtester created"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << " missing from:\n" << r.out;
  }
  for (const char* d : {"deployment/aviary", "deployment/flagger-loadtester"}) {
    auto s = kubectl({"-n", "aviary-system", "rollout", "status", d, "--timeout=15s"});
    EXPECT_EQ(s.exitCode, 0) << s.describe();
  }
  auto again = kubectl({"apply", "-k", src("deploy/kubernetes")});
  ASSERT_EQ(again.exitCode, 0) << again.describe();
  EXPECT_NE(again.out.find("deployment.apps/aviary unchanged"), std::string::npos) << again.out;

  auto d = getJson({"-n", "aviary-system", "get", "deployment", "aviary"});
  const auto& pod = d["spec"]["template"]["spec"];
  const auto& c = pod["containers"][0];
  std::vector<std::string> args = c["args"];
  for (const char* want : {"controller", "-mesh-provider=istio", "-metrics-server=http://prometheus.istio-system:9090",
                           "-enable-leader-election=true"}) {
    EXPECT_NE(std::find(args.begin(), args.end(), want), args.end()) << want;
  }
  EXPECT_EQ(pod["serviceAccountName"], "aviary");
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(c["securityContext"]["readOnlyRootFilesystem"], true);
  EXPECT_EQ(c["ports"][0]["containerPort"], 8080);
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"], "/healthz");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"], "/readyz");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["port"], "http");

  auto svc = getJson({"-n", "aviary-system", "get", "service", "flagger-loadtester"});
  EXPECT_EQ(svc["spec"]["ports"][0]["port"], 80);
  EXPECT_EQ(svc["spec"]["ports"][0]["targetPort"], "http");
  auto lt = getJson({"-n", "aviary-system", "get", "deployment", "flagger-loadtester"});
  const auto& ltc = lt["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(ltc["ports"][0]["name"], "http");
  EXPECT_EQ(ltc["ports"][0]["containerPort"], 8080);
  EXPECT_EQ(ltc["args"][0], "loadtester");
}

// "ClusterRole aviary|apps|deployments|get" for every verb a role grants.
std::set<std::string> grants(const std::string& role, const nlohmann::json& obj) {
  std::set<std::string> out;
  for (const auto& rule : obj["rules"]) {
    for (const auto& g : rule["apiGroups"]) {
      for (const auto& res : rule["resources"]) {
        for (const auto& v : rule["verbs"]) {
          out.insert(role + "|" + g.get<std::string>() + "|" + res.get<std::string>() + "|" + v.get<std::string>());
        }
      }
    }
  }
  return out;
}

TEST_F(DeployTest, RbacGrantsExactlyTheDocumentedVerbs) {
  // | ClusterRole `aviary` | `apps` | `deployments` | get, list, watch | why |
  std::regex row(R"(^\| ((?:Cluster)?Role) `([^`]+)` \| `([^`]*)` \| `([^`]+)` \| ([a-z, ]+) \|)");
  std::set<std::string> documented;
  std::istringstream docs(readFile(src("docs/kubernetes-deploy.md")));
  for (std::string line; std::getline(docs, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    std::string group = m[3] == "\"\"" ? "" : m[3].str();
    std::istringstream verbs(m[5].str());
    for (std::string v; std::getline(verbs, v, ',');) {
      v.erase(0, v.find_first_not_of(' '));
      v.erase(v.find_last_not_of(' ') + 1);
      documented.insert(m[1].str() + " " + m[2].str() + "|" + group + "|" + m[4].str() + "|" + v);
    }
  }
  ASSERT_GT(documented.size(), 40u) << "the RBAC table in docs/kubernetes-deploy.md was not found";
  auto granted = grants("ClusterRole aviary", getJson({"get", "clusterrole", "aviary"}));
  auto role = grants("Role aviary-leader-election",
                     getJson({"-n", "aviary-system", "get", "role", "aviary-leader-election"}));
  granted.insert(role.begin(), role.end());
  auto operatorRole = grants("ClusterRole aviary-canary-operator", getJson({"get", "clusterrole", "aviary-canary-operator"}));
  granted.insert(operatorRole.begin(), operatorRole.end());
  for (const auto& g : granted) EXPECT_TRUE(documented.count(g)) << "granted but not documented: " << g;
  for (const auto& d : documented) EXPECT_TRUE(granted.count(d)) << "documented but not granted: " << d;
  // KubePlatform::forget deletes the -primary workload (and the other objects a Canary owns) when
  // the Canary goes; nothing of the user's — the Canary itself, Istio objects — is deletable.
  EXPECT_EQ(granted.count("ClusterRole aviary|apps|deployments|delete"), 1u);
  EXPECT_EQ(granted.count("ClusterRole aviary|flagger.app|canaries|delete"), 0u);
  EXPECT_EQ(granted.count("ClusterRole aviary|networking.istio.io|virtualservices|delete"), 0u);

  auto binding = getJson({"get", "clusterrolebinding", "aviary"});
  EXPECT_EQ(binding["subjects"][0]["name"], "aviary");
  EXPECT_EQ(binding["subjects"][0]["namespace"], "aviary-system");
}

TEST_F(DeployTest, SeedResourcesApplyAndPrintFlaggersColumns) {
  auto ns = kubectl({"apply", "-f", "-"},
                    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: test\n---\n"
                    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: istio-system\n");
  ASSERT_EQ(ns.exitCode, 0) << ns.describe();
  for (const char* file : {"examples/seed/podinfo-hpa.yaml", "examples/seed/metrics-404.yaml",
                           "examples/seed/podinfo-canary-404.yaml", "examples/seed/podinfo-canary.yaml",
                           "tests/deploy/testdata/valid/canary-every-field.yaml"}) {
    auto r = kubectl({"apply", "-f", src(file)});
    EXPECT_EQ(r.exitCode, 0) << file << ": " << r.describe();
  }
  auto status = kubectl({"-n", "test", "patch", "canary", "podinfo", "--subresource=status", "--type=merge", "-p",
                         R"({"status":{"phase":"Progressing","canaryWeight":10,"failedChecks":1,)"
                         R"("lastTransitionTime":"2026-12-06T09:35:06Z"}})"});
  ASSERT_EQ(status.exitCode, 0) << status.describe();

  auto get = kubectl({"-n", "test", "get", "canaries"});
  ASSERT_EQ(get.exitCode, 0) << get.describe();
  EXPECT_TRUE(std::regex_search(get.out, std::regex(R"(^NAME +STATUS +WEIGHT +LASTTRANSITIONTIME +AGE\n)")))
      << get.out;
  EXPECT_TRUE(std::regex_search(get.out, std::regex(R"(\npodinfo +Progressing +10 +2026-12-06T09:35:06Z +\S+\n)")))
      << get.out;
  auto wide = kubectl({"-n", "test", "get", "canaries", "-o", "wide"});
  ASSERT_EQ(wide.exitCode, 0) << wide.describe();
  EXPECT_TRUE(std::regex_search(
      wide.out, std::regex(R"(^NAME +STATUS +WEIGHT +SUSPENDED +FAILEDCHECKS +INTERVAL +MIRROR +STEPWEIGHT +)"
                           R"(STEPWEIGHTS +MAXWEIGHT +LASTTRANSITIONTIME +AGE\n)")))
      << wide.out;
  // podinfo: no suspend, 1 failed check, interval 1m, no mirror, stepWeight 10, maxWeight 50.
  EXPECT_TRUE(std::regex_search(
      wide.out, std::regex(R"(\npodinfo +Progressing +10 +1 +1m +10 +50 +2026-12-06T09:35:06Z +\S+\n)")))
      << wide.out;
  EXPECT_TRUE(std::regex_search(wide.out, std::regex(R"(\nevery-field +false +1m +10 +50 +\S+\n)"))) << wide.out;
  auto mt = kubectl({"-n", "istio-system", "get", "metrictemplates"});
  ASSERT_EQ(mt.exitCode, 0) << mt.describe();
  EXPECT_TRUE(std::regex_search(mt.out, std::regex(R"(^NAME +PROVIDER +AGE\nnot-found-percentage +prometheus )")))
      << mt.out;
}

TEST_F(DeployTest, SchemaAcceptsEveryCanaryAviaryAccepts) {
  auto valid = checkSchema({src("tests/deploy/testdata/valid"), src("examples/seed"), src("tests/sandbox/testdata")});
  ASSERT_EQ(valid.exitCode, 0) << valid.describe();
  EXPECT_NE(valid.out.find("checked 5 resource(s) in 5 file(s): 0 problem(s)"), std::string::npos) << valid.out;
  for (const char* file : {"tests/deploy/testdata/valid/canary-every-field.yaml", "examples/seed/podinfo-canary.yaml"}) {
    auto v = runCommand({AVIARY_BINARY, "validate", "-f", src(file)});
    EXPECT_EQ(v.exitCode, 0) << v.describe();
  }
  // Every Kubernetes Canary in the repository's test corpus that `aviary validate --strict` accepts.
  // (examples/local* target the local platform's Workload kind, which is not a Kubernetes kind.)
  auto cross = checkSchema({"--accepted-by", AVIARY_BINARY, src("tests/api/corpus"), src("tests/scenarios/canaries"),
                            src("examples/seed")});
  ASSERT_EQ(cross.exitCode, 0) << cross.describe();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(cross.out, m, std::regex(R"(checked (\d+) resource\(s\))"))) << cross.out;
  EXPECT_GE(std::stoi(m[1]), 5) << cross.out;
}

TEST_F(DeployTest, SchemaRefusesAMalformedCanaryWithEveryProblem) {
  auto r = checkSchema({src("tests/deploy/testdata/invalid")});
  EXPECT_EQ(r.exitCode, 1) << r.describe();
  const std::string f = src("tests/deploy/testdata/invalid/canary-malformed.yaml");
  for (const std::string& want :
       {f + ":8:13: spec.provider: expected one of [\"apisix\"", f + ":10:5: spec.targetRef.name: expected required field 'name', found none",
        f + ":13:11: spec.service.port: expected number, found string \"9898\"",
        f + ":15:15: spec.analysis.interval: expected a string matching ^[0-9]+(m|s), found string \"1h\"",
        f + ":17:17: spec.analysis.stepWeight: expected number, found string \"ten\"",
        f + ":18:5: spec.analysis.stepweights: expected no field 'stepweights'",
        f + ":21:13: spec.analysis.webhooks[0].type: expected one of [\"\", \"confirm-rollout\""}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\nnot in:\n" << r.out;
  }
  EXPECT_NE(r.out.find("checked 1 resource(s) in 1 file(s): 7 problem(s)"), std::string::npos) << r.out;
  auto usage = checkSchema({});
  EXPECT_EQ(usage.exitCode, 2) << usage.describe();
}

TEST_F(DeployTest, RuntimeImageGetsTheLibrariesAndTheUserTheManifestsExpect) {
  auto r = runCommand({src("scripts/runtime-packages.sh"), AVIARY_BINARY});
  ASSERT_EQ(r.exitCode, 0) << r.describe();
  std::set<std::string> packages;
  std::istringstream in(r.out);
  for (std::string p; std::getline(in, p);) packages.insert(p);
  for (const char* want : {"libc6", "libstdc++6", "libcurl4", "libssl3", "libyaml-0-2", "libre2-9"}) {
    EXPECT_TRUE(packages.count(want)) << want << " missing from:\n" << r.out;
  }
  for (const auto& p : packages) {
    EXPECT_EQ(p.find("-dev"), std::string::npos) << p;
    auto q = runCommand({"dpkg-query", "-W", "-f=${Status}", p});
    EXPECT_EQ(q.out, "install ok installed") << p;
  }
  EXPECT_EQ(runCommand({src("scripts/runtime-packages.sh"), "/nonexistent"}).exitCode, 2);

  // The images run as 10001, which the Deployments require (runAsNonRoot needs a numeric user).
  std::string dockerfile = readFile(src("Dockerfile"));
  EXPECT_NE(dockerfile.find("FROM debian:12 AS build"), std::string::npos);
  EXPECT_NE(dockerfile.find("FROM debian:12 AS runtime"), std::string::npos);
  EXPECT_EQ(countLines(dockerfile, "USER 10001:10001"), 2);
  EXPECT_EQ(countLines(readFile(src("deploy/kubernetes/controller.yaml")), "        runAsUser: 10001"), 1);
  EXPECT_EQ(countLines(readFile(src("deploy/kubernetes/loadtester/loadtester.yaml")), "        runAsUser: 10001"), 1);
}

}  // namespace
}  // namespace aviary::sandbox
