#include "step_exporter.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace aviary::tsdb::testing {
namespace {

const char* kBounds[] = {"5", "10", "25", "50", "100", "250", "500", "1000", "+Inf"};

// A counter that grows by `perStep` with a deterministic wobble, so rates are not all alike.
double counterAt(int k, double perStep, int salt) { return perStep * k + static_cast<double>((k * k + salt) % 7); }

void counter(std::string& out, const std::string& name, const std::string& labels, double value, promql::Millis t) {
  out += fmt::format("{}{{{}}} {} {}\n", name, labels, promql::formatFloat(value), t);
}

// Cumulative buckets of a latency distribution: `shares` (per bound, summing to 1) of perStep
// observations per step. With `bumpy`, one bucket dips below its predecessor at odd steps.
void histogram(std::string& out, const std::string& name, const std::string& labels, int k, double perStep,
               const std::vector<double>& shares, double scale, promql::Millis t, bool bumpy = false) {
  double cumulative = 0;
  double sum = 0;
  for (size_t i = 0; i < std::size(kBounds); ++i) {
    cumulative += shares[i];
    double count = std::floor(cumulative * perStep * k + 0.5);
    if (bumpy && i == 4 && k % 2 == 1) count -= 3;
    std::string le = kBounds[i];
    if (le != "+Inf" && scale != 1) le = promql::formatFloat(std::stod(le) * scale);
    out += fmt::format("{}_bucket{{{},le=\"{}\"}} {} {}\n", name, labels, le, promql::formatFloat(count), t);
    if (i + 1 < std::size(kBounds)) sum += shares[i] * perStep * k * std::stod(kBounds[i]) * scale;
  }
  out += fmt::format("{}_sum{{{}}} {} {}\n", name, labels, promql::formatFloat(sum), t);
  out += fmt::format("{}_count{{{}}} {} {}\n", name, labels, promql::formatFloat(std::floor(perStep * k + 0.5)), t);
}

const std::vector<double> kFast = {0.1, 0.2, 0.3, 0.2, 0.1, 0.05, 0.03, 0.01, 0.01};
const std::vector<double> kSlow = {0.0, 0.05, 0.05, 0.1, 0.2, 0.3, 0.2, 0.05, 0.05};

}  // namespace

std::string StepExporter::exposition(int k, promql::Millis t) {
  std::string out;
  out.reserve(16384);
  out += "# HELP istio_requests_total requests\n# TYPE istio_requests_total counter\n";
  auto istio = [&](const char* reporter, const char* ns, const char* wl, const char* code, double perStep, int salt) {
    counter(out, "istio_requests_total",
            fmt::format("reporter=\"{}\",destination_workload_namespace=\"{}\",destination_workload=\"{}\","
                        "response_code=\"{}\"", reporter, ns, wl, code),
            counterAt(k, perStep, salt), t);
  };
  istio("destination", "test", "podinfo", "200", 1395, 1);
  istio("destination", "test", "podinfo", "404", 75, 2);
  istio("destination", "test", "podinfo", "500", 15, 3);
  // A counter reset: the process restarted at kResetStep.
  counter(out, "istio_requests_total",
          "reporter=\"destination\",destination_workload_namespace=\"test\",destination_workload=\"podinfo\","
          "response_code=\"503\"",
          k < kResetStep ? counterAt(k, 10, 4) : 3.0 * (k - kResetStep), t);
  if (k < kVanishStep) istio("destination", "test", "podinfo", "302", 30, 5);
  istio("destination", "test", "podinfo-primary", "200", 700, 6);
  istio("destination", "test", "podinfo-primary", "500", 700, 0);
  istio("source", "test", "podinfo", "500", 1500, 1);
  istio("destination", "prod", "podinfo", "503", 900, 2);
  auto istioHist = [&](const char* reporter, const char* wl, const std::vector<double>& shares) {
    histogram(out, "istio_request_duration_milliseconds",
              fmt::format("reporter=\"{}\",destination_workload_namespace=\"test\",destination_workload=\"{}\"",
                          reporter, wl),
              k, 1500, shares, 1, t);
  };
  istioHist("destination", "podinfo", kFast);
  istioHist("destination", "podinfo-primary", kSlow);
  istioHist("source", "podinfo", kSlow);

  // Linkerd
  for (auto [cls, per] : {std::pair{"success", 900.0}, {"failure", 45.0}}) {
    counter(out, "response_total",
            fmt::format("namespace=\"test\",deployment=\"podinfo\",classification=\"{}\",direction=\"inbound\"", cls),
            counterAt(k, per, 1), t);
    counter(out, "response_total",
            fmt::format("namespace=\"test\",deployment=\"podinfo\",classification=\"{}\",direction=\"outbound\"", cls),
            counterAt(k, per * 3, 2), t);
  }
  histogram(out, "response_latency_ms", "namespace=\"test\",deployment=\"podinfo\",direction=\"inbound\"", k, 945, kFast,
            1, t);
  // Envoy-based meshes and ingresses share envoy_cluster_upstream_rq; each selects its own labels.
  auto envoy = [&](const std::string& labels, double per, int salt) {
    for (auto [code, share] : {std::pair{"200", 0.9}, {"404", 0.06}, {"503", 0.04}}) {
      counter(out, "envoy_cluster_upstream_rq", labels + fmt::format(",envoy_response_code=\"{}\"", code),
              counterAt(k, per * share, salt), t);
    }
    histogram(out, "envoy_cluster_upstream_rq_time", labels, k, per, salt % 2 ? kFast : kSlow, 1, t);
  };
  envoy("kubernetes_namespace=\"test\",kubernetes_pod_name=\"podinfo-7d9f8b-x2k4q\"", 600, 1);       // App Mesh
  envoy("kubernetes_namespace=\"test\",kubernetes_pod_name=\"podinfo-primary-5c6d-abcde\"", 600, 2); // decoy
  envoy("envoy_cluster_name=\"test_podinfo-canary_9898\"", 450, 3);                                  // Contour
  envoy("envoy_cluster_name=\"test-podinfo-canary-9898_gloo-system\"", 300, 4);                      // Gloo
  envoy("service=\"podinfo-canary_test_svc_9898\"", 150, 5);                                         // Kuma
  envoy("envoy_cluster_name=\"test/podinfo\"", 90, 6);                                               // Knative
  // Generic HTTP observer (kubernetes, gatewayapi)
  for (auto [status, per] : {std::pair{"200", 480.0}, {"500", 20.0}}) {
    histogram(out, "http_request_duration_seconds",
              fmt::format("kubernetes_namespace=\"test\",kubernetes_pod_name=\"podinfo-7d9f8b-x2k4q\",status=\"{}\"", status),
              k, per, kFast, 0.001, t);
  }
  // NGINX
  for (auto [status, per] : {std::pair{"200", 300.0}, {"502", 12.0}}) {
    counter(out, "nginx_ingress_controller_requests",
            fmt::format("namespace=\"test\",ingress=\"podinfo\",canary=\"test-podinfo-canary-9898\",status=\"{}\"", status),
            counterAt(k, per, 3), t);
    counter(out, "nginx_ingress_controller_requests",
            fmt::format("namespace=\"test\",ingress=\"podinfo\",canary=\"\",status=\"{}\"", status),
            counterAt(k, per * 4, 4), t);
  }
  counter(out, "nginx_ingress_controller_ingress_upstream_latency_seconds_sum",
          "namespace=\"test\",ingress=\"podinfo\",canary=\"test-podinfo-canary-9898\"", 0.031 * 312 * k, t);
  counter(out, "nginx_ingress_controller_ingress_upstream_latency_seconds_count",
          "namespace=\"test\",ingress=\"podinfo\",canary=\"test-podinfo-canary-9898\"", 312.0 * k, t);
  // Traefik
  for (auto [code, per] : {std::pair{"200", 270.0}, {"503", 30.0}}) {
    histogram(out, "traefik_service_request_duration_seconds",
              fmt::format("service=\"test-podinfo-canary-9898@kubernetescrd\",code=\"{}\"", code), k, per, kFast, 0.001, t);
  }
  // Skipper
  const char* route = "kube_test__podinfo_canary__podinfo_example_com____podinfo_canary";
  for (auto [code, per] : {std::pair{"200", 210.0}, {"500", 6.0}}) {
    histogram(out, "skipper_response_duration_seconds", fmt::format("route=\"{}\",code=\"{}\"", route, code), k, per,
              kSlow, 0.001, t);
  }
  counter(out, "skipper_serve_route_duration_seconds_sum", fmt::format("route=\"{}\"", route), 0.042 * 216 * k, t);
  counter(out, "skipper_serve_route_duration_seconds_count", fmt::format("route=\"{}\"", route), 216.0 * k, t);
  // OSM (its histogram's buckets are not monotonic at odd steps)
  for (auto [code, per] : {std::pair{"200", 330.0}, {"500", 3.0}}) {
    counter(out, "osm_request_total",
            fmt::format("destination_namespace=\"test\",destination_kind=\"Deployment\",destination_name=\"podinfo\","
                        "response_code=\"{}\"", code),
            counterAt(k, per, 5), t);
  }
  histogram(out, "osm_request_duration_ms",
            "destination_namespace=\"test\",destination_kind=\"Deployment\",destination_name=\"podinfo\"", k, 333, kSlow,
            1, t, true);
  // APISIX
  for (auto [code, per] : {std::pair{"200", 240.0}, {"504", 9.0}}) {
    counter(out, "apisix_http_status", fmt::format("route=\"test_podinfo-podinfo-canary_9898\",code=\"{}\"", code),
            counterAt(k, per, 6), t);
  }
  histogram(out, "apisix_http_latency", "type=\"request\",route=\"test_podinfo-podinfo-canary_9898\"", k, 249, kFast, 1, t);
  histogram(out, "apisix_http_latency", "type=\"upstream\",route=\"test_podinfo-podinfo-canary_9898\"", k, 249, kSlow, 1, t);
  // Edge cases
  out += fmt::format("aviary_test_gauge{{kind=\"nan\"}} NaN {}\n", t);
  out += fmt::format("aviary_test_gauge{{kind=\"value\"}} {} {}\n", promql::formatFloat(3.5 + k * 0.25), t);
  out += fmt::format("aviary_test_gauge{{kind=\"zero\"}} 0 {}\n", t);
  return out;
}

StepExporter::StepExporter(promql::Millis base, promql::Millis stepSpacing, int steps, std::vector<std::string> scrapers,
                           Body body)
    : base_(base), spacing_(stepSpacing), steps_(steps), scrapers_(std::move(scrapers)),
      body_(body ? std::move(body) : Body(&StepExporter::exposition)), fetched_(scrapers_.size()) {
  auto srv = http::HttpServer::start("127.0.0.1", 0, [this](const http::ServerRequest& r) { return serve(r); });
  if (srv.ok()) server_ = std::move(*srv);
}

StepExporter::~StepExporter() {
  if (server_) server_->stop();
}

int StepExporter::step() const {
  std::lock_guard lock(mu_);
  return step_;
}

http::ServerResponse StepExporter::serve(const http::ServerRequest& req) {
  std::string agent = req.header("user-agent");
  std::unique_lock lock(mu_);
  int k = step_;
  for (size_t i = 0; i < scrapers_.size(); ++i) {
    if (agent.find(scrapers_[i]) != std::string::npos) fetched_[i] = true;
  }
  bool all = std::all_of(fetched_.begin(), fetched_.end(), [](bool b) { return b; });
  if (all && step_ < steps_ - 1) {
    ++step_;
    std::fill(fetched_.begin(), fetched_.end(), false);
  }
  if (all) cv_.notify_all();
  lock.unlock();
  return http::ServerResponse::text(200, body_(k, timeOf(k)));
}

bool StepExporter::waitForLastStep(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] {
    return step_ == steps_ - 1 && std::all_of(fetched_.begin(), fetched_.end(), [](bool b) { return b; });
  });
}

}  // namespace aviary::tsdb::testing
