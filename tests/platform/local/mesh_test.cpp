// The local mesh on real sockets: services reachable by name through the mesh listener (raw
// absolute-form requests, curl -x, the webhook client) and on their own ports, 503 UH without
// endpoints, a clear 404 for unknown hosts, restart from the persisted state, and telemetry that
// Flagger's builtin queries and the seed's 404 template select as they would under Istio.
#include <re2/re2.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>

#include "mesh_fixture.h"
#include "metrics/builtin_queries.h"
#include "metrics/query_template.h"
#include "webhooks/http_caller.h"

extern char** environ;

namespace aviary::platform::local::testing {
namespace {

struct Scene {
  Backend primary{"primary"}, canary{"canary"}, tester{"tester"};
  TempDir dir;
  std::unique_ptr<Mesh> mesh = startMesh(dir.path());

  Scene() {
    EXPECT_TRUE(mesh->declareCanary("test", "podinfo", "podinfo", 9898).ok());
    EXPECT_TRUE(mesh->declareService("test", "flagger-loadtester", 80).ok());
    EXPECT_TRUE(mesh->setEndpoints("test", "podinfo-primary", {endpointOf(primary)}).ok());
    EXPECT_TRUE(mesh->setEndpoints("test", "podinfo", {endpointOf(canary)}).ok());
    EXPECT_TRUE(mesh->setEndpoints("test", "flagger-loadtester", {endpointOf(tester)}).ok());
  }
  uint16_t directPort(const std::string& name) const {
    for (const ServiceInfo& s : mesh->services()) {
      if (s.name == name) return s.directPort;
    }
    return 0;
  }
};

TEST(MeshTest, ServiceNamesResolveThroughTheMeshListenerAsInACluster) {
  Scene s;
  RawClient c(s.mesh->meshPort());
  for (const std::string host : {"podinfo-canary", "podinfo-canary.test", "podinfo-canary.test.svc",
                                 "podinfo-canary.test.svc.cluster.local", "podinfo-canary:9898",
                                 "PODINFO-CANARY.test.svc.cluster.local:9898"}) {
    const std::string r = viaMesh(c, "http://" + host + "/token");
    EXPECT_EQ(statusOf(r), 200) << host << "\n" << r;
    EXPECT_EQ(bodyOf(r), "canary") << host;
  }
  EXPECT_EQ(bodyOf(viaMesh(c, "http://podinfo-primary.test:9898/")), "primary");
  EXPECT_EQ(bodyOf(viaMesh(c, "http://podinfo.test:9898/")), "primary");  // the apex: all to the primary at first
  EXPECT_EQ(bodyOf(viaMesh(c, "http://flagger-loadtester.test/")), "tester");
  // The backend sees origin form and the service's name as Host.
  EXPECT_NE(bodyOf(viaMesh(c, "http://podinfo-canary.test:9898/echo")).find("host: podinfo-canary.test:9898\n"),
            std::string::npos);
  // Another port than the service's is not the service; an unknown name is named in the answer.
  std::string r = viaMesh(c, "http://podinfo-canary.test:9899/");
  EXPECT_EQ(statusOf(r), 404) << r;
  r = viaMesh(c, "http://nosuch.test/");
  EXPECT_EQ(statusOf(r), 404) << r;
  EXPECT_NE(bodyOf(r).find("no service named \"nosuch.test\" in the aviary mesh (known: "), std::string::npos) << r;
  EXPECT_NE(bodyOf(r).find("podinfo-canary.test"), std::string::npos) << r;
  // Each service also has its own port.
  for (const auto& [service, expected] : std::map<std::string, std::string>{
           {"podinfo", "primary"}, {"podinfo-primary", "primary"}, {"podinfo-canary", "canary"}, {"flagger-loadtester", "tester"}}) {
    const uint16_t port = s.directPort(service);
    ASSERT_NE(port, 0) << service;
    RawClient direct(port);
    direct.send("GET / HTTP/1.1\r\nHost: anything\r\n\r\n");
    EXPECT_EQ(bodyOf(direct.readResponse()), expected) << service;
  }
  EXPECT_TRUE(s.mesh->servesHost("flagger-loadtester.test"));
  EXPECT_TRUE(s.mesh->servesHost("podinfo-canary:9898"));
  EXPECT_FALSE(s.mesh->servesHost("podinfo-canary:80"));
  EXPECT_FALSE(s.mesh->servesHost("127.0.0.1:9898"));
  EXPECT_EQ(s.mesh->proxyFor("http://flagger-loadtester.test/"), s.mesh->proxyUrl());
  EXPECT_EQ(s.mesh->proxyFor("http://127.0.0.1:1/"), "");
}

TEST(MeshTest, AServiceWithoutReadyEndpointsAnswers503UH) {
  Scene s;
  ASSERT_TRUE(s.mesh->setEndpoints("test", "podinfo", {}).ok());
  RawClient c(s.mesh->meshPort());
  const std::string r = viaMesh(c, "http://podinfo-canary.test:9898/");
  EXPECT_EQ(statusOf(r), 503) << r;
  EXPECT_EQ(bodyOf(r), "no healthy upstream");
  EXPECT_EQ(proxy::testing::waitRequestsTotal(s.mesh->proxyForTest(), {"reporter=\"source\"", "destination_workload=\"podinfo\"", "response_flags=\"UH\""}, 1), 1);
  // Back once a replica is ready again.
  ASSERT_TRUE(s.mesh->setEndpoints("test", "podinfo", {endpointOf(s.canary)}).ok());
  EXPECT_EQ(statusOf(viaMesh(c, "http://podinfo-canary.test:9898/")), 200);
}

// A replica that has stopped while its endpoint is still listed (until the next sync): Istio's
// default retry policy sends the request to another endpoint, so no request fails; a route with
// `retries: {attempts: 0}` opts out, as in Istio.
TEST(MeshTest, ARequestToAStoppedEndpointIsRetriedOnAnotherAsIstioDoes) {
  Scene s;
  uint16_t gone = 0;
  {
    Backend stopped{"stopped"};
    gone = stopped.port();
  }
  ASSERT_TRUE(s.mesh->setEndpoints("test", "podinfo", {{"127.0.0.1", gone}, endpointOf(s.canary)}).ok());
  RawClient c(s.mesh->meshPort());
  for (int i = 0; i < 10; ++i) {
    const std::string r = viaMesh(c, "http://podinfo-canary.test:9898/");
    EXPECT_EQ(statusOf(r), 200) << r;
    EXPECT_EQ(bodyOf(r), "canary");
  }
  ASSERT_TRUE(s.mesh
                  ->setApexRoutes("test", "podinfo",
                                  nlohmann::json::parse(R"([{"name": "podinfo", "retries": {"attempts": 0},
                                    "route": [{"cluster": "podinfo-canary.test", "weight": 100}]}])"))
                  .ok());
  int failed = 0;
  for (int i = 0; i < 10; ++i) failed += statusOf(viaMesh(c, "http://podinfo.test:9898/")) == 503;
  EXPECT_GE(failed, 3) << "round robin over a live and a stopped endpoint, no retries";
}

// Runs argv (no shell) and returns its exit status and standard output.
std::pair<int, std::string> run(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out[2];
  EXPECT_EQ(::pipe(out), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  ::close(out[0]);
  int status = -1;
  if (rc == 0) ::waitpid(pid, &status, 0);
  return {rc == 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

TEST(MeshTest, CurlAndTheWebhookClientReachServicesByName) {
  Scene s;
  auto [rc, out] = run({"curl", "-s", "--max-time", "5", "-x", s.mesh->proxyUrl(), "http://podinfo-canary:9898/token"});
  ASSERT_EQ(rc, 0) << "curl failed (is Debian's curl installed?)";
  EXPECT_EQ(out, "canary");
  std::tie(rc, out) = run({"curl", "-s", "--max-time", "5", "-x", s.mesh->proxyUrl(), "http://flagger-loadtester.test/"});
  EXPECT_EQ(out, "tester");

  webhooks::HttpWebhookCaller caller;
  caller.setProxyResolver([&](const std::string& url) { return s.mesh->proxyFor(url); });
  api::CanaryWebhook hook;
  hook.name = "load-test";
  hook.url = "http://flagger-loadtester.test/";
  hook.timeout = "5s";
  webhooks::Payload payload;
  payload.name = "podinfo";
  payload.namespace_ = "test";
  ASSERT_TRUE(caller.call(hook, payload).ok());
  EXPECT_EQ(s.tester.countForHost("flagger-loadtester.test"), 2);  // curl's and the webhook's
  // A host the mesh does not serve goes direct.
  hook.url = "http://127.0.0.1:" + std::to_string(s.tester.port()) + "/";
  ASSERT_TRUE(caller.call(hook, payload).ok());
  EXPECT_EQ(s.tester.count(), 3);
}

TEST(MeshTest, ARestartedMeshComesBackWithItsPortsAndRoutes) {
  Backend primary("primary"), canary("canary");
  TempDir dir;
  uint16_t meshPort = 0, adminPort = 0;
  std::vector<ServiceInfo> before;
  const nlohmann::json routes = nlohmann::json::parse(R"([{"name": "weighted", "timeout": "0s", "route": [
      {"cluster": "podinfo-primary.test", "weight": 0}, {"cluster": "podinfo-canary.test", "weight": 100}]}])");
  {
    auto mesh = startMesh(dir.path());
    ASSERT_TRUE(mesh);
    ASSERT_TRUE(mesh->declareCanary("test", "podinfo", "podinfo", 9898).ok());
    ASSERT_TRUE(mesh->setApexRoutes("test", "podinfo", routes).ok());
    meshPort = mesh->meshPort();
    adminPort = mesh->adminPort();
    before = mesh->services();
  }
  auto mesh = startMesh(dir.path());
  ASSERT_TRUE(mesh);
  EXPECT_EQ(mesh->meshPort(), meshPort);
  EXPECT_EQ(mesh->adminPort(), adminPort);
  const std::vector<ServiceInfo> after = mesh->services();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].name, before[i].name);
    EXPECT_EQ(after[i].directPort, before[i].directPort) << after[i].name;
  }
  EXPECT_EQ(mesh->apexRoutes("test", "podinfo").value(), routes);
  // Endpoints are the target's to push again; then the last routes apply.
  ASSERT_TRUE(mesh->setEndpoints("test", "podinfo", {endpointOf(canary)}).ok());
  RawClient c(meshPort);
  EXPECT_EQ(bodyOf(viaMesh(c, "http://podinfo.test:9898/")), "canary");
  // A corrupt state file is an error naming it, not an empty mesh.
  mesh.reset();
  std::ofstream(dir.path() + "/mesh.json") << "{not json";
  MeshOptions o;
  o.stateDir = dir.path();
  auto bad = Mesh::start(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find(dir.path() + "/mesh.json: not a mesh state file"), std::string::npos)
      << bad.error().message;
}

TEST(MeshTest, AMeshPortAlreadyTakenIsAClearErrorEvenBySoReusePort) {
  // The proxy listens with SO_REUSEPORT: without the check a second mesh would share the port.
  TempDir first, second;
  auto mesh = startMesh(first.path());
  ASSERT_TRUE(mesh);
  MeshOptions o;
  o.stateDir = second.path();
  o.meshPort = mesh->meshPort();
  auto taken = Mesh::start(o);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().message, "cannot listen on 127.0.0.1:" + std::to_string(mesh->meshPort()) +
                                       ": Address already in use (the mesh port (--mesh-port))");
  // The last run's port, taken meanwhile: another one, with a warning.
  std::filesystem::copy_file(first.path() + "/mesh.json", second.path() + "/mesh.json");
  o.meshPort = 0;
  auto other = Mesh::start(o);
  ASSERT_TRUE(other.ok()) << other.error().format();
  EXPECT_NE((*other)->meshPort(), mesh->meshPort());
  EXPECT_NE((*other)->adminPort(), mesh->adminPort());
}

// The label matchers of every `metric{...}` selector in a PromQL query.
struct Matcher {
  std::string name, op, value;
};
std::vector<std::vector<Matcher>> selectors(const std::string& query, const std::string& metric) {
  std::vector<std::vector<Matcher>> out;
  static const RE2 kMatcher(R"re(\s*([a-z_]+)\s*(=~|!~|!=|=)\s*"([^"]*)"\s*)re");
  for (size_t pos = 0; (pos = query.find(metric + "{", pos)) != std::string::npos;) {
    const size_t end = query.find('}', pos);
    std::string body = query.substr(pos + metric.size() + 1, end - pos - metric.size() - 1);
    std::vector<Matcher> ms;
    re2::StringPiece in(body);
    Matcher m;
    while (RE2::Consume(&in, kMatcher, &m.name, &m.op, &m.value)) {
      ms.push_back(m);
      RE2::Consume(&in, R"(\s*,?)");
    }
    EXPECT_TRUE(in.empty()) << "unparsed selector text: " << in;
    out.push_back(ms);
    pos = end;
  }
  return out;
}

// The value of label `name` in a series line, or "".
std::string label(const std::string& line, const std::string& name) {
  const std::string key = "," + name + "=\"";
  size_t p = ("," + line).find(key);
  if (p == std::string::npos) return "";
  p += key.size() - 1;
  return line.substr(p, line.find('"', p) - p);
}

bool selects(const std::vector<Matcher>& ms, const std::string& labels) {
  for (const Matcher& m : ms) {
    const std::string v = label(labels, m.name);
    const bool re = RE2::FullMatch(v, m.value);
    if ((m.op == "=" && v != m.value) || (m.op == "!=" && v == m.value) || (m.op == "=~" && !re) || (m.op == "!~" && re)) {
      return false;
    }
  }
  return true;
}

// Sum of the `metric` series (counter lines) that `ms` selects.
double selected(const std::string& stats, const std::string& metric, const std::vector<Matcher>& ms) {
  double sum = 0;
  std::istringstream lines(stats);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(metric + "{", 0) != 0) continue;
    const size_t close = line.rfind('}');
    if (selects(ms, line.substr(metric.size() + 1, close - metric.size() - 1))) sum += std::stod(line.substr(close + 2));
  }
  return sum;
}

TEST(MeshTest, TelemetrySatisfiesFlaggersBuiltinQueriesAndTheSeeds404Template) {
  Scene s;
  RawClient c(s.mesh->meshPort());
  for (int i = 0; i < 6; ++i) viaMesh(c, "http://podinfo-canary.test:9898/");
  for (int i = 0; i < 3; ++i) viaMesh(c, "http://podinfo-canary.test:9898/status/404");
  for (int i = 0; i < 2; ++i) viaMesh(c, "http://podinfo-canary.test:9898/status/500");
  for (int i = 0; i < 4; ++i) viaMesh(c, "http://podinfo-primary.test:9898/status/500");
  ASSERT_EQ(proxy::testing::waitRequestsTotal(s.mesh->proxyForTest(), {"destination_workload=\"podinfo-primary\""}, 4), 4);
  ASSERT_EQ(proxy::testing::waitRequestsTotal(s.mesh->proxyForTest(), {"destination_workload=\"podinfo\""}, 11), 11);
  const std::string stats = s.mesh->renderStats();

  api::Canary canary;
  canary.metadata.name = "podinfo";
  canary.metadata.namespace_ = "test";
  canary.spec.targetRef.name = "podinfo";
  api::CanaryMetric metric;
  metric.name = "request-success-rate";
  const metrics::QueryModel model = metrics::makeQueryModel(canary, metric);
  auto successRate = metrics::renderQuery(metrics::kIstioRequestSuccessRateQuery, model);
  ASSERT_TRUE(successRate.ok());
  auto sr = selectors(*successRate, "istio_requests_total");
  ASSERT_EQ(sr.size(), 2u);
  EXPECT_EQ(selected(stats, "istio_requests_total", sr[0]), 9);   // non-5xx of the canary
  EXPECT_EQ(selected(stats, "istio_requests_total", sr[1]), 11);  // all of the canary, none of the primary
  auto duration = metrics::renderQuery(metrics::kIstioRequestDurationQuery, model);
  ASSERT_TRUE(duration.ok());
  auto d = selectors(*duration, "istio_request_duration_milliseconds_bucket");
  ASSERT_EQ(d.size(), 1u);
  // Every bucket series of the canary is selected, so the +Inf buckets add up to its requests.
  std::vector<Matcher> inf = d[0];
  inf.push_back({"le", "=", "+Inf"});
  EXPECT_EQ(selected(stats, "istio_request_duration_milliseconds_bucket", inf), 11);

  std::ifstream tmpl(std::string(AVIARY_SOURCE_DIR) + "/examples/seed/metrics-404.yaml");
  ASSERT_TRUE(tmpl) << "examples/seed/metrics-404.yaml";
  std::stringstream text;
  text << tmpl.rdbuf();
  const std::string yaml = text.str();
  const std::string query = yaml.substr(yaml.find("query: |") + 9);
  auto notFound = metrics::renderQuery(query, model);
  ASSERT_TRUE(notFound.ok()) << notFound.error().format();
  auto nf = selectors(*notFound, "istio_requests_total");
  ASSERT_EQ(nf.size(), 2u);
  EXPECT_EQ(selected(stats, "istio_requests_total", nf[0]), 8);  // not 404
  EXPECT_EQ(selected(stats, "istio_requests_total", nf[1]), 11);
  // The primary's series carry the primary's identity, as under Istio.
  EXPECT_NE(stats.find("destination_workload=\"podinfo-primary\",destination_workload_namespace=\"test\""), std::string::npos);
  EXPECT_NE(stats.find("destination_service_name=\"podinfo-canary\""), std::string::npos);
}

}  // namespace
}  // namespace aviary::platform::local::testing
