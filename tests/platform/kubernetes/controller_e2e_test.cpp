// `aviary controller` end to end on `aviary sandbox`, driven with kubectl as a user would: the
// seed's podinfo Deployment, HPA and Canary (testdata/: what the sandbox cannot run taken out,
// see canary.yaml) go Initialized → Progressing → Succeeded after `kubectl set image`, with the
// controller restarted mid-analysis; then a failing release is rolled back, and the Canary's
// deletion with revertOnDeletion gives the Deployment back. Metric queries are answered by a
// loopback stand-in for Prometheus in this process.
#include <set>

#include "controller_e2e_fixture.h"

namespace aviary {
namespace {

TEST_F(ControllerE2eTest, SeedCanaryInitializesPromotesSurvivesARestartRollsBackAndReverts) {
  const std::string data = AVIARY_TESTDATA;
  ASSERT_EQ(kubectl({"apply", "-f", AVIARY_CRDS}).exitCode, 0);
  for (const char* f : {"/podinfo.yaml", "/hpa.yaml"}) {
    auto r = kubectl({"apply", "-f", data + f});
    ASSERT_EQ(r.exitCode, 0) << r.describe();
  }
  std::string canary = std::regex_replace(readFile(data + "/canary.yaml"), std::regex("METRICS_URL"), prom_->url());
  auto applied = kubectl({"apply", "-f", "-"}, canary);
  ASSERT_EQ(applied.exitCode, 0) << applied.describe();
  startController();

  // --- Initialized: the primary, the three Services and the primary HPA, as the reference says.
  ASSERT_TRUE(waitPhase("Initialized")) << "phase " << last_;
  json primary = getJson("deployment/podinfo-primary");
  EXPECT_EQ(primary["spec"]["selector"], json({{"matchLabels", {{"app", "podinfo-primary"}}}}));
  EXPECT_EQ(primary["metadata"]["labels"], json({{"app", "podinfo-primary"}}));
  EXPECT_EQ(primary["metadata"]["ownerReferences"][0]["kind"], "Canary");
  EXPECT_EQ(primary["spec"]["template"]["metadata"]["labels"]["app"], "podinfo-primary");
  EXPECT_TRUE(primary["spec"]["template"]["metadata"]["annotations"].contains("flagger-id"));
  EXPECT_EQ(primary["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]["configMapRef"]["name"],
            "podinfo-config-primary");
  EXPECT_EQ(primary["spec"]["progressDeadlineSeconds"], 60);
  EXPECT_EQ(primary["spec"]["minReadySeconds"], 5);
  EXPECT_EQ(get("deployment/podinfo", ".spec.replicas"), "0");
  EXPECT_EQ(get("configmap/podinfo-config-primary", ".data.PODINFO_UI_MESSAGE"), "hello");
  for (const auto& [svc, selector] : std::vector<std::pair<std::string, std::string>>{
           {"podinfo", "podinfo-primary"}, {"podinfo-primary", "podinfo-primary"}, {"podinfo-canary", "podinfo"}}) {
    json s = getJson("service/" + svc);
    EXPECT_EQ(s["spec"]["selector"], json({{"app", selector}})) << svc;
    EXPECT_EQ(s["spec"]["type"], "ClusterIP") << svc;
    EXPECT_EQ(s["spec"]["ports"][0],
              json({{"name", "http"}, {"port", 9898}, {"protocol", "TCP"}, {"targetPort", 9898}}))
        << svc;
    EXPECT_EQ(s["metadata"]["labels"]["app"], svc);
  }
  json hpa = getJson("hpa/podinfo-primary");
  EXPECT_EQ(hpa["spec"]["scaleTargetRef"]["name"], "podinfo-primary");
  EXPECT_EQ(hpa["spec"]["minReplicas"], 2);
  EXPECT_EQ(hpa["spec"]["maxReplicas"], 4);
  EXPECT_EQ(hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 99);
  auto table = kubectl({"-n", "test", "get", "canary"});
  EXPECT_NE(table.out.find("NAME      STATUS        WEIGHT   LASTTRANSITIONTIME"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("Initialized"), std::string::npos) << table.out;

  // --- a new revision; the controller is restarted while it is being analysed.
  auto set = kubectl({"-n", "test", "set", "image", "deployment/podinfo", "podinfod=stefanprodan/podinfo:3.1.1"});
  ASSERT_EQ(set.exitCode, 0) << set.describe();
  ASSERT_TRUE(waitPhase("Progressing")) << "phase " << last_;
  EXPECT_EQ(controller_->terminate(), 0);
  startController();
  ASSERT_TRUE(waitPhase("Succeeded", std::chrono::seconds(30))) << "phase " << last_;
  EXPECT_EQ(get("deployment/podinfo-primary", ".spec.template.spec.containers[0].image"), "stefanprodan/podinfo:3.1.1");
  EXPECT_EQ(get("deployment/podinfo", ".spec.replicas"), "0");
  auto ev = events();
  EXPECT_EQ(ev["Initialization done! podinfo.test"], 1);
  EXPECT_EQ(ev["New revision detected! Scaling up podinfo.test"], 1);  // resumed, not restarted
  EXPECT_EQ(ev["Starting canary analysis for podinfo.test"], 1);
  EXPECT_EQ(ev["Advance podinfo.test canary iteration 4/4"], 1);
  EXPECT_EQ(ev["Promotion completed! Scaling down podinfo.test"], 1);
  // --- steady state: a Succeeded canary is ticked every 1.2 s from the caches alone.
  const uint64_t reads = apiRequests("read"), writes = apiRequests("write");
  ASSERT_NE(reads, UINT64_MAX);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // at least two ticks
  EXPECT_EQ(apiRequests("read"), reads) << "a steady tick read the API server";
  EXPECT_EQ(apiRequests("write"), writes) << "a steady tick wrote to the API server";

  auto describe = kubectl({"-n", "test", "describe", "canary", "podinfo"});
  EXPECT_EQ(describe.exitCode, 0) << describe.describe();
  for (const char* line : {"Synced  ", "flagger  Initialization done! podinfo.test",
                           "flagger  New revision detected! Scaling up podinfo.test",
                           "flagger  Copying podinfo.test template spec to podinfo-primary.test",
                           "flagger  Promotion completed! Scaling down podinfo.test"}) {
    EXPECT_NE(describe.out.find(line), std::string::npos) << line << "\n" << describe.out;
  }

  // --- a release whose success rate is 50%: rolled back, the primary keeps 3.1.1.
  rate_ = 50;
  ASSERT_EQ(
      kubectl({"-n", "test", "set", "image", "deployment/podinfo", "podinfod=stefanprodan/podinfo:3.1.2"}).exitCode, 0);
  ASSERT_TRUE(waitPhase("Failed")) << "phase " << last_;
  ev = events();
  EXPECT_EQ(ev["Rolling back podinfo.test failed checks threshold reached 2"], 1);
  EXPECT_EQ(ev["Canary failed! Scaling down podinfo.test"], 1);
  EXPECT_EQ(get("deployment/podinfo-primary", ".spec.template.spec.containers[0].image"), "stefanprodan/podinfo:3.1.1");
  EXPECT_EQ(get("deployment/podinfo", ".spec.replicas"), "0");

  // --- a Failed canary re-syncs its status at every tick (Flagger's SyncStatus while Failed, a
  // new lastTransitionTime each time), but reads nothing from the API server.
  const uint64_t failedReads = apiRequests("read");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // at least two ticks
  EXPECT_EQ(apiRequests("read"), failedReads) << "a tick read the API server";

  // --- deletion with revertOnDeletion: the target gets the primary's replicas back, the
  // canary's objects are collected, the finalizer lets the Canary go.
  EXPECT_EQ(get("canary/podinfo", ".metadata.finalizers[0]"), "finalizer.flagger.app");
  const std::string primaryReplicas = get("deployment/podinfo-primary", ".spec.replicas");
  EXPECT_EQ(primaryReplicas, "1");  // the target's replicas at creation (none: 1)
  ASSERT_EQ(kubectl({"-n", "test", "delete", "canary", "podinfo", "--wait=false"}).exitCode, 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = kubectl({"-n", "test", "get", "canary", "podinfo"}).exitCode != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(gone) << "the canary is still there";
  EXPECT_EQ(get("deployment/podinfo", ".spec.replicas"), primaryReplicas);
  EXPECT_EQ(events()["Terminated canary podinfo.test"], 1);
  for (const char* what : {"deployment/podinfo-primary", "service/podinfo-primary", "service/podinfo-canary",
                           "hpa/podinfo-primary", "configmap/podinfo-config-primary"}) {
    EXPECT_NE(kubectl({"-n", "test", "get", what}).exitCode, 0) << what << " was not collected";
  }
  EXPECT_EQ(kubectl({"-n", "test", "get", "deployment/podinfo"}).exitCode, 0);
}

// The seed's Canary on Istio: the VirtualService and DestinationRules the Istio router writes,
// and the weights moved 10, 20, … 50 in the VirtualService as the analysis advances.
TEST_F(ControllerE2eTest, IstioCanaryMovesTheVirtualServiceWeightsStepByStep) {
  const std::string data = AVIARY_TESTDATA;
  for (const std::string f : {std::string(AVIARY_CRDS), data + "/istio-crds.yaml", data + "/podinfo.yaml", data + "/hpa.yaml",
                              data + "/canary-istio.yaml"}) {
    auto r = kubectl({"apply", "-f", f});
    ASSERT_EQ(r.exitCode, 0) << r.describe();
  }
  startController({"-mesh-provider", "istio", "-metrics-server", prom_->url()});
  ASSERT_TRUE(waitPhase("Initialized")) << "phase " << last_;
  // The route: [primary, canary] with their weights, as Flagger's istio.go writes it.
  auto weights = [&]() -> std::pair<int, int> {
    auto r = kubectl({"-n", "test", "get", "virtualservice/podinfo", "-o", "json"});
    if (r.exitCode != 0) return {-1, -1};
    const json route = json::parse(r.out)["spec"]["http"][0]["route"];
    return {route[0]["weight"].get<int>(), route[1]["weight"].get<int>()};
  };
  json vs = getJson("virtualservice/podinfo");
  EXPECT_EQ(vs["spec"]["gateways"], json({"public-gateway.istio-system.svc.cluster.local"}));
  EXPECT_EQ(vs["spec"]["hosts"], json({"*"}));  // "*" covers the apex: Flagger appends it only otherwise
  EXPECT_EQ(vs["spec"]["http"][0]["route"][0]["destination"]["host"], "podinfo-primary");
  EXPECT_EQ(vs["spec"]["http"][0]["route"][1]["destination"]["host"], "podinfo-canary");
  EXPECT_EQ(vs["spec"]["http"][0]["retries"]["attempts"], 3);
  EXPECT_EQ(weights(), std::make_pair(100, 0));
  for (const char* dr : {"destinationrule/podinfo-primary", "destinationrule/podinfo-canary"})
    EXPECT_EQ(getJson(dr)["spec"]["trafficPolicy"]["tls"]["mode"], "DISABLE") << dr;

  ASSERT_EQ(
      kubectl({"-n", "test", "set", "image", "deployment/podinfo", "podinfod=stefanprodan/podinfo:3.1.1"}).exitCode, 0);
  std::set<int> seen;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < end) {
    const auto [primary, canary] = weights();
    if (primary >= 0) {
      EXPECT_EQ(primary + canary, 100);
      seen.insert(canary);
    }
    last_ = get("canary/podinfo", ".status.phase");
    if (last_ == "Succeeded") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(last_, "Succeeded");
  for (int w : {10, 20, 30, 40, 50}) EXPECT_TRUE(seen.count(w)) << "weight " << w << " never seen in the VirtualService";
  EXPECT_EQ(weights(), std::make_pair(100, 0));
  EXPECT_EQ(get("deployment/podinfo-primary", ".spec.template.spec.containers[0].image"), "stefanprodan/podinfo:3.1.1");
}

TEST_F(ControllerE2eTest, WithLeaderElectionOneControllerLeadsAndTheNextTakesOverWhenItStops) {
  ASSERT_EQ(kubectl({"apply", "-f", AVIARY_CRDS}).exitCode, 0);
  auto start = [&] {
    return std::make_unique<BackgroundCommand>(std::vector<std::string>{
        AVIARY_BINARY, "controller", "-kubeconfig", kc_, "-mesh-provider", "kubernetes", "--port", "0",
        "-enable-leader-election=true", "-leader-election-namespace", "default", "-log-level", "info"});
  };
  auto identityOf = [](const std::string& waitingLine) {
    const auto at = waitingLine.find("identity ");
    return at == std::string::npos ? std::string() : waitingLine.substr(at + 9, waitingLine.find(')', at) - at - 9);
  };
  auto first = start();
  const std::string firstWaiting = first->readLine(std::chrono::seconds(20));
  ASSERT_NE(firstWaiting.find("waiting to lead (Lease default/flagger-leader-election"), std::string::npos)
      << firstWaiting;
  ASSERT_NE(first->readLine(std::chrono::seconds(20)).find("watching all namespaces"), std::string::npos);

  auto second = start();
  const std::string secondWaiting = second->readLine(std::chrono::seconds(20));
  ASSERT_NE(secondWaiting.find("waiting to lead"), std::string::npos) << secondWaiting;
  // The lease (15 s) is held and renewed: the second must not start while the first runs.
  EXPECT_EQ(second->readLine(std::chrono::seconds(4)), "");
  auto holder = kubectl({"-n", "default", "get", "lease", "flagger-leader-election", "-o",
                         "jsonpath={.spec.holderIdentity}"});
  EXPECT_EQ(holder.out, identityOf(firstWaiting)) << holder.describe();

  // SIGTERM: the first stops, releases the lease, and the second leads well before it would
  // have expired.
  const auto stopped = std::chrono::steady_clock::now();
  EXPECT_EQ(first->terminate(), 0);
  ASSERT_NE(second->readLine(std::chrono::seconds(10)).find("watching all namespaces"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, std::chrono::seconds(10));
  holder = kubectl({"-n", "default", "get", "lease", "flagger-leader-election", "-o",
                    "jsonpath={.spec.holderIdentity}"});
  EXPECT_EQ(holder.out, identityOf(secondWaiting)) << holder.describe();
  EXPECT_EQ(second->terminate(), 0);
}

TEST(ControllerCliTest, FlagsAreGoStyleAndConfigErrorsAreClear) {
  auto bad = runCommand({AVIARY_BINARY, "controller", "-threadiness", "x"});
  EXPECT_EQ(bad.exitCode, 2) << bad.describe();
  EXPECT_NE(bad.err.find("-threadiness"), std::string::npos) << bad.describe();
  auto le = runCommand({AVIARY_BINARY, "controller", "--enable-leader-election", "-kubeconfig", "/nonexistent"});
  EXPECT_EQ(le.exitCode, 1) << le.describe();
  EXPECT_NE(le.err.find("/nonexistent"), std::string::npos) << le.describe();
  auto noConfig = runCommand({AVIARY_BINARY, "controller", "-kubeconfig", "/nonexistent/kubeconfig"});
  EXPECT_EQ(noConfig.exitCode, 1) << noConfig.describe();
  EXPECT_NE(noConfig.err.find("/nonexistent/kubeconfig"), std::string::npos) << noConfig.describe();
  auto help = runCommand({AVIARY_BINARY, "controller", "--help"});
  EXPECT_EQ(help.exitCode, 0);
  for (const char* flag : {"-kubeconfig",
                           "-master",
                           "-metrics-server",
                           "-mesh-provider",
                           "-namespace",
                           "-selector-labels",
                           "-threadiness",
                           "-log-level",
                           "-port",
                           "-enable-leader-election",
                           "-leader-election-namespace",
                           "-include-label-prefix",
                           "-enable-config-tracking",
                           "-cluster-name",
                           "-event-webhook",
                           "-slack-url",
                           "-slack-channel",
                           "-slack-user",
                           "-slack-token",
                           "-msteams-url",
                           "-kube-api-qps",
                           "-kube-api-burst"}) {
    EXPECT_NE(help.out.find(std::string("  ") + flag + " "), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace aviary
