// The sandbox checked by a client nobody here wrote: kubectl (part of the machine image). Each
// test runs real kubectl commands against one sandbox on 127.0.0.1 and checks what kubectl
// prints and what the sandbox then holds. The tests run in order and build on each other.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "kubectl_sandbox.h"
#include "run_command.h"
#include "sandbox/api_server.h"
#include "sandbox/kubelet.h"

namespace aviary::sandbox {
namespace {

using testing::CommandResult;
using testing::runCommand;

class KubectlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sandbox_ = new testing::KubectlSandbox("kubectl-test-token", [](ApiServerOptions& o) {
      o.maxWatch = std::chrono::seconds(3);  // `kubectl get -w` ends when the server ends its watch
      o.bookmarkInterval = std::chrono::milliseconds(500);
    });
    ASSERT_TRUE(sandbox_->ok()) << sandbox_->error();
    server_ = &sandbox_->server();
  }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
    server_ = nullptr;
  }

  // kubectl with the sandbox's kubeconfig and a private discovery cache.
  static CommandResult kubectl(std::vector<std::string> args, const std::string& input = {}) {
    return sandbox_->kubectl(std::move(args), input);
  }
  static std::string testdata(const std::string& name) { return std::string(AVIARY_SANDBOX_TESTDATA) + "/" + name; }
  static Json getJson(std::vector<std::string> args) { return sandbox_->getJson(std::move(args)); }

  static testing::KubectlSandbox* sandbox_;
  static ApiServer* server_;
};

std::string configMapYaml(const std::string& name) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n  a: \"1\"\n";
}

testing::KubectlSandbox* KubectlTest::sandbox_ = nullptr;
ApiServer* KubectlTest::server_ = nullptr;

TEST_F(KubectlTest, KubectlIsInstalled) {
  auto r = runCommand({"kubectl", "version", "--client"});
  ASSERT_EQ(r.exitCode, 0) << "kubectl is part of this machine image and these tests need it: " << r.describe();
}

TEST_F(KubectlTest, ApplyCreatesCrdsAndTheirResources) {
  auto crds = kubectl({"apply", "-f", testdata("flagger-crds.yaml")});
  ASSERT_EQ(crds.exitCode, 0) << crds.describe();
  EXPECT_NE(crds.out.find("customresourcedefinition.apiextensions.k8s.io/canaries.flagger.app created"), std::string::npos)
      << crds.out;
  auto apps = kubectl({"apply", "-f", testdata("podinfo.yaml")});
  ASSERT_EQ(apps.exitCode, 0) << apps.describe();
  EXPECT_NE(apps.out.find("deployment.apps/podinfo created"), std::string::npos) << apps.out;
  EXPECT_NE(apps.out.find("canary.flagger.app/podinfo created"), std::string::npos) << apps.out;
  // Applying again changes nothing.
  auto again = kubectl({"apply", "-f", testdata("podinfo.yaml")});
  ASSERT_EQ(again.exitCode, 0) << again.describe();
  EXPECT_NE(again.out.find("deployment.apps/podinfo unchanged"), std::string::npos) << again.out;
}

TEST_F(KubectlTest, ApiResourcesListsBuiltinsAndCrds) {
  auto r = kubectl({"api-resources"});
  ASSERT_EQ(r.exitCode, 0) << r.describe();
  for (const char* want : {"deployments", "horizontalpodautoscalers", "configmaps", "leases", "canaries",
                           "flagger.app/v1beta1", "customresourcedefinitions"}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << " missing from:\n" << r.out;
  }
}

TEST_F(KubectlTest, ExplainReadsACrdSchemaFromOpenApiV3) {
  auto r = kubectl({"explain", "canaries.spec"});
  ASSERT_EQ(r.exitCode, 0) << r.describe();
  EXPECT_NE(r.out.find("targetRef"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("The Deployment the canary rolls out"), std::string::npos) << r.out;
}

TEST_F(KubectlTest, RolloutStatusSeesTheKubeletMarkPodsReady) {
  auto r = kubectl({"-n", "test", "rollout", "status", "deployment/podinfo", "--timeout=15s"});
  ASSERT_EQ(r.exitCode, 0) << r.describe();
  EXPECT_NE(r.out.find("successfully rolled out"), std::string::npos) << r.out;
  auto get = kubectl({"-n", "test", "get", "deployments"});
  ASSERT_EQ(get.exitCode, 0) << get.describe();
  EXPECT_NE(get.out.find("READY"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find("2/2"), std::string::npos) << get.out;
}

TEST_F(KubectlTest, StatusPatchShowsInPrinterColumnsAndSpecPatchKeepsStatus) {
  auto st = kubectl({"-n", "test", "patch", "canary", "podinfo", "--subresource=status", "--type=merge", "-p",
                     R"({"status":{"phase":"Progressing","canaryWeight":10,"lastTransitionTime":"2026-01-01T00:00:00Z"}})"});
  ASSERT_EQ(st.exitCode, 0) << st.describe();
  auto get = kubectl({"-n", "test", "get", "canaries"});
  ASSERT_EQ(get.exitCode, 0) << get.describe();
  EXPECT_NE(get.out.find("STATUS"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find("WEIGHT"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find("Progressing"), std::string::npos) << get.out;
  EXPECT_EQ(get.out.find("STEPWEIGHT"), std::string::npos) << "priority-1 columns only with -o wide:\n" << get.out;
  auto wide = kubectl({"-n", "test", "get", "canaries", "-o", "wide"});
  EXPECT_NE(wide.out.find("STEPWEIGHT"), std::string::npos) << wide.describe();

  Json before = getJson({"-n", "test", "get", "canary", "podinfo"});
  auto spec = kubectl({"-n", "test", "patch", "canary", "podinfo", "--type=merge", "-p",
                       R"({"spec":{"analysis":{"stepWeight":20}},"status":{"phase":"Failed"}})"});
  ASSERT_EQ(spec.exitCode, 0) << spec.describe();
  Json after = getJson({"-n", "test", "get", "canary", "podinfo"});
  EXPECT_EQ(after["spec"]["analysis"]["stepWeight"], 20);
  EXPECT_EQ(after["status"]["phase"], "Progressing") << "the main resource ignores status";
  EXPECT_EQ(after["metadata"]["generation"], before["metadata"]["generation"].get<int>() + 1);
}

TEST_F(KubectlTest, SetImageMergesContainersByName) {
  auto r = kubectl({"-n", "test", "set", "image", "deployment/podinfo", "podinfod=stefanprodan/podinfo:3.1.1"});
  ASSERT_EQ(r.exitCode, 0) << r.describe();
  Json d = getJson({"-n", "test", "get", "deployment", "podinfo"});
  const Json& c = d["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(c.size(), 1u) << d.dump();
  EXPECT_EQ(c[0]["image"], "stefanprodan/podinfo:3.1.1");
  EXPECT_EQ(c[0]["ports"][0]["containerPort"], 9898) << "a strategic merge keeps the container's other fields";
  EXPECT_EQ(d["metadata"]["generation"], 2);
}

TEST_F(KubectlTest, ReplaceWithAStaleResourceVersionIsAConflict) {
  // `kubectl create configmap` sends protobuf, which the sandbox refuses (415); `create -f` sends JSON.
  auto typed = kubectl({"-n", "test", "create", "configmap", "settings", "--from-literal=a=1"});
  EXPECT_NE(typed.err.find("application/json bodies only"), std::string::npos) << typed.describe();
  auto created = kubectl({"-n", "test", "create", "-f", "-"}, configMapYaml("settings"));
  ASSERT_EQ(created.exitCode, 0) << created.describe();
  Json cm = getJson({"-n", "test", "get", "configmap", "settings"});
  cm["data"]["a"] = "2";
  auto ok = kubectl({"replace", "-f", "-"}, cm.dump());
  ASSERT_EQ(ok.exitCode, 0) << ok.describe();
  cm["data"]["a"] = "3";  // still the old resourceVersion
  auto stale = kubectl({"replace", "-f", "-"}, cm.dump());
  EXPECT_NE(stale.exitCode, 0);
  EXPECT_NE(stale.err.find("the object has been modified"), std::string::npos) << stale.describe();
  EXPECT_EQ(getJson({"-n", "test", "get", "configmap", "settings"})["data"]["a"], "2");
}

TEST_F(KubectlTest, DescribeShowsTheDeploymentAndTheCanary) {
  auto d = kubectl({"-n", "test", "describe", "deployment", "podinfo"});
  ASSERT_EQ(d.exitCode, 0) << d.describe();
  EXPECT_NE(d.out.find("stefanprodan/podinfo:3.1.1"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("Replicas:"), std::string::npos) << d.out;
  auto c = kubectl({"-n", "test", "describe", "canary", "podinfo"});
  ASSERT_EQ(c.exitCode, 0) << c.describe();
  EXPECT_NE(c.out.find("Progressing"), std::string::npos) << c.out;
}

TEST_F(KubectlTest, GetWatchPrintsChangesMadeWhileWatching) {
  CommandResult watched;
  std::thread t([&] { watched = kubectl({"-n", "test", "get", "configmaps", "-w"}); });
  bool watching = server_->waitForWatches(1, std::chrono::seconds(10));
  auto made = kubectl({"-n", "test", "create", "-f", "-"}, configMapYaml("made-while-watching"));
  t.join();  // the sandbox ends the watch after 3 s, and kubectl with it
  ASSERT_TRUE(watching) << watched.describe();
  ASSERT_EQ(made.exitCode, 0) << made.describe();
  EXPECT_NE(watched.out.find("settings"), std::string::npos) << watched.describe();
  EXPECT_NE(watched.out.find("made-while-watching"), std::string::npos) << watched.describe();
}

TEST_F(KubectlTest, HoldUnreadyAnnotationKeepsPodsUnready) {
  auto r = kubectl({"-n", "test", "annotate", "deployment", "podinfo", std::string(kHoldUnreadyAnnotation) + "=true"});
  ASSERT_EQ(r.exitCode, 0) << r.describe();
  auto status = kubectl({"-n", "test", "rollout", "status", "deployment/podinfo", "--timeout=2s"});
  EXPECT_NE(status.exitCode, 0) << status.describe();
  auto get = kubectl({"-n", "test", "get", "deployment", "podinfo"});
  EXPECT_NE(get.out.find("0/2"), std::string::npos) << get.describe();
}

TEST_F(KubectlTest, DeleteRemovesAndGetSaysNotFound) {
  auto del = kubectl({"-n", "test", "delete", "canary", "podinfo"});
  ASSERT_EQ(del.exitCode, 0) << del.describe();
  EXPECT_NE(del.out.find("canary.flagger.app \"podinfo\" deleted"), std::string::npos) << del.out;
  auto get = kubectl({"-n", "test", "get", "canary", "podinfo"});
  EXPECT_NE(get.exitCode, 0);
  EXPECT_NE(get.err.find("Error from server (NotFound)"), std::string::npos) << get.describe();
  auto crd = kubectl({"delete", "crd", "alertproviders.flagger.app"});
  ASSERT_EQ(crd.exitCode, 0) << crd.describe();
  auto gone = kubectl({"get", "alertproviders"});
  EXPECT_NE(gone.exitCode, 0) << "a deleted CRD's resources are no longer served: " << gone.describe();
}

}  // namespace
}  // namespace aviary::sandbox
