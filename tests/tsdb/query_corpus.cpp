#include "query_corpus.h"

namespace aviary::tsdb::testing {
namespace {

// A success-rate query of Flagger's shape: sum(rate(<sel ok>)) / sum(rate(<sel all>)) * 100.
std::string successRate(const std::string& metric, const std::string& all, const std::string& okMatcher) {
  return " sum( rate( " + metric + "{ " + all + ", " + okMatcher + " }[1m] ) ) / sum( rate( " + metric + "{ " + all +
         " }[1m] ) ) * 100";
}
std::string p99(const std::string& bucket, const std::string& sel) {
  return " histogram_quantile( 0.99, sum( rate( " + bucket + "{ " + sel + " }[1m] ) ) by (le) )";
}

const std::string kIstio =
    R"(reporter="destination", destination_workload_namespace="test", destination_workload=~"podinfo")";
const std::string kPod = R"q(kubernetes_namespace="test", kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)")q";

}  // namespace

const std::vector<CorpusQuery>& differentialCorpus() {
  static const std::vector<CorpusQuery> kCorpus = {
      // Flagger builtin queries (pkg/metrics/observers), one pair per provider.
      {"istio request-success-rate", successRate("istio_requests_total", kIstio, R"(response_code!~"5.*")")},
      {"istio request-duration", p99("istio_request_duration_milliseconds_bucket", kIstio)},
      {"linkerd request-success-rate",
       R"( sum( rate( response_total{ namespace="test", deployment=~"podinfo", classification!="failure", direction="inbound" }[1m] ) ) / sum( rate( response_total{ namespace="test", deployment=~"podinfo", direction="inbound" }[1m] ) ) * 100)"},
      {"linkerd request-duration", p99("response_latency_ms_bucket", R"(namespace="test", deployment=~"podinfo", direction="inbound")")},
      {"appmesh request-success-rate", successRate("envoy_cluster_upstream_rq", kPod, R"(envoy_response_code!~"5.*")")},
      {"appmesh request-duration", p99("envoy_cluster_upstream_rq_time_bucket", kPod)},
      {"kubernetes/gatewayapi request-success-rate", successRate("http_request_duration_seconds_count", kPod, R"(status!~"5.*")")},
      {"kubernetes/gatewayapi request-duration", p99("http_request_duration_seconds_bucket", kPod)},
      {"contour request-success-rate",
       R"( sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+", }[1m] ) ) * 100)"},
      {"contour request-duration",
       R"( histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+", }[1m] ) ) by (le) ))"},
      {"gloo request-success-rate",
       R"( sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"test-podinfo-canary-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"test-podinfo-canary-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+", }[1m] ) ) * 100)"},
      {"gloo request-duration",
       R"( histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ envoy_cluster_name=~"test-podinfo-canary-[0-9a-zA-Z-]+_[0-9a-zA-Z-]+", }[1m] ) ) by (le) ))"},
      {"kuma request-success-rate",
       R"( sum( rate( envoy_cluster_upstream_rq{ service=~"podinfo-canary_test_svc_[0-9a-zA-Z-]+", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ service=~"podinfo-canary_test_svc_[0-9a-zA-Z-]+", }[1m] ) ) * 100)"},
      {"kuma request-duration",
       R"( histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ service=~"podinfo-canary_test_svc_[0-9a-zA-Z-]+", }[1m] ) ) by (le) ))"},
      {"knative request-success-rate",
       R"( sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"test/podinfo", envoy_response_code!~"5.*" }[1m] ) ) / sum( rate( envoy_cluster_upstream_rq{ envoy_cluster_name=~"test/podinfo", }[1m] ) ) * 100)"},
      {"knative request-duration",
       R"( histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ envoy_cluster_name=~"test/podinfo", }[1m] ) ) by (le) ))"},
      {"nginx request-success-rate",
       R"( sum( rate( nginx_ingress_controller_requests{ namespace="test", ingress="podinfo", canary!="", status!~"5.*" }[1m] ) ) / sum( rate( nginx_ingress_controller_requests{ namespace="test", ingress="podinfo", canary!="" }[1m] ) ) * 100)"},
      {"nginx request-duration",
       R"( sum( rate( nginx_ingress_controller_ingress_upstream_latency_seconds_sum{ namespace="test", ingress="podinfo", canary!="" }[1m] ) ) / sum( rate( nginx_ingress_controller_ingress_upstream_latency_seconds_count{ namespace="test", ingress="podinfo", canary!="" }[1m] ) ) * 1000)"},
      {"traefik request-success-rate",
       R"( sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd", code!~"5..", le="+Inf" }[1m] ) ) / sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd", le="+Inf" }[1m] ) ) * 100)"},
      {"traefik request-duration",
       R"( histogram_quantile( 0.99, sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd" }[1m] ) ) by (le) ))"},
      {"skipper request-success-rate",
       R"( sum(rate(skipper_response_duration_seconds_bucket{route=~"kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?",code!~"5..",le="+Inf"}[1m])) / sum(rate(skipper_response_duration_seconds_bucket{route=~"kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?",le="+Inf"}[1m])) * 100)"},
      {"skipper request-duration",
       R"( sum(rate(skipper_serve_route_duration_seconds_sum{route=~"kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?"}[1m])) / sum(rate(skipper_serve_route_duration_seconds_count{route=~"kube(ew)?_test__podinfo_canary__.*__podinfo_canary(_[0-9]+)?"}[1m])) * 1000)"},
      {"osm request-success-rate",
       R"( sum( rate( osm_request_total{ destination_namespace="test", destination_kind="Deployment", destination_name="podinfo", response_code!~"5.*" }[1m] ) ) / sum( rate( osm_request_total{ destination_namespace="test", destination_kind="Deployment", destination_name="podinfo" }[1m] ) ) * 100)"},
      {"osm request-duration (non-monotonic buckets)",
       p99("osm_request_duration_ms_bucket", R"(destination_namespace="test", destination_kind="Deployment", destination_name="podinfo")")},
      {"apisix request-success-rate",
       R"( sum( rate( apisix_http_status{ route=~"test_podinfo-podinfo-canary_.+", code!~"5.." }[1m] ) ) / sum( rate( apisix_http_status{ route=~"test_podinfo-podinfo-canary_.+" }[1m] ) ) * 100)"},
      {"apisix request-duration",
       R"( histogram_quantile( 0.99, sum( rate( apisix_http_latency_bucket{ type=~"request", route=~"test_podinfo-podinfo-canary_.+" }[1m] ) ) by (le) ))"},
      // The seed's MetricTemplate (metrics-404.yaml) rendered, its whitespace kept.
      {"seed not-found-percentage",
       "100 - sum(\n    rate(\n        istio_requests_total{\n          reporter=\"destination\",\n          "
       "destination_workload_namespace=\"test\",\n          destination_workload=\"podinfo\",\n          "
       "response_code!=\"404\"\n        }[1m]\n    )\n)\n/\nsum(\n    rate(\n        istio_requests_total{\n          "
       "reporter=\"destination\",\n          destination_workload_namespace=\"test\",\n          "
       "destination_workload=\"podinfo\"\n        }[1m]\n    )\n) * 100\n"},
      // MetricTemplate examples in the style of Flagger's docs.
      {"docs linkerd 404 percentage",
       R"(100 - sum(rate(response_total{namespace="test", deployment="podinfo", classification!="failure", direction="inbound"}[1m])) / sum(rate(response_total{namespace="test", deployment="podinfo", direction="inbound"}[1m])) * 100)"},
      {"docs nginx error rate",
       R"(sum(rate(nginx_ingress_controller_requests{namespace="test",ingress="podinfo",status!~"[4-5].*"}[1m])) / sum(rate(nginx_ingress_controller_requests{namespace="test",ingress="podinfo"}[1m])) * 100)"},
      {"docs contour 404 percentage",
       R"(100 - sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+", envoy_response_code!="404"}[1m])) / sum(rate(envoy_cluster_upstream_rq{envoy_cluster_name=~"test_podinfo-canary_[0-9a-zA-Z-]+"}[1m])) * 100)"},
      {"docs istio latency average",
       R"(sum(rate(istio_request_duration_milliseconds_sum{destination_workload="podinfo"}[1m])) / sum(rate(istio_request_duration_milliseconds_count{destination_workload="podinfo"}[1m])))"},
      {"docs http p95 by pod", R"(histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{kubernetes_namespace="test"}[2m]))))"},
      // Edge cases.
      {"empty result", R"(sum(rate(istio_requests_total{destination_workload="nonexistent"}[1m])))"},
      {"NaN sample", R"(aviary_test_gauge{kind="nan"})"},
      {"NaN through sum", "sum(aviary_test_gauge)"},
      {"division by zero", R"(aviary_test_gauge{kind="value"} / ignoring(kind) aviary_test_gauge{kind="zero"})"},
      {"zero by zero", R"(sum(aviary_test_gauge{kind="zero"}) / 0)"},
      {"regex alternation", R"(count(istio_requests_total{response_code=~"5..|4.*"}))"},
      {"negative regex", R"(sum(rate(istio_requests_total{destination_workload!~"podinfo.*"}[1m])))"},
      {"without", "sum without (response_code) (rate(istio_requests_total[1m]))"},
      {"by two labels", "sum by (destination_workload, response_code) (increase(istio_requests_total[2m]))"},
      {"irate across a reset", R"(irate(istio_requests_total{response_code="503"}[1m]))"},
      {"increase across a reset", R"(increase(istio_requests_total{response_code="503"}[3m]))"},
      {"rate across a reset", R"(rate(istio_requests_total{response_code="503"}[90s]))"},
      {"vanished series (lookback)", R"(istio_requests_total{response_code="302"})"},
      {"vanished series rate", R"(rate(istio_requests_total{response_code="302"}[2m]))"},
      {"offset", R"(rate(istio_requests_total{response_code="200"}[1m] offset 2m))"},
      {"comparison filter", "rate(istio_requests_total[1m]) > 20"},
      {"comparison bool", "rate(istio_requests_total[1m]) > bool 20"},
      {"scalar on the left of a filter", "100 < rate(istio_requests_total[1m])"},
      {"on() ratio",
       R"(sum by (destination_workload) (rate(istio_requests_total{response_code=~"5.."}[1m])) / on(destination_workload) sum by (destination_workload) (rate(istio_requests_total[1m])))"},
      {"ignoring() ratio",
       R"(rate(istio_requests_total{response_code="500"}[1m]) / ignoring(response_code) rate(istio_requests_total{response_code="200"}[1m]))"},
      {"scalar()", "scalar(sum(rate(istio_requests_total[1m])))"},
      {"vector()", "vector(1)"},
      {"functions", R"(round(clamp_max(abs(-rate(istio_requests_total{destination_workload="podinfo"}[1m])), 50), 0.1))"},
      {"clamp_min", "clamp_min(rate(response_total[1m]), 40)"},
      {"avg/min/max/count", "avg(rate(response_total[1m])) + min(rate(response_total[1m])) * max(rate(response_total[1m])) - count(response_total)"},
      {"quantile above 1", "histogram_quantile(1.5, sum by (le) (rate(istio_request_duration_milliseconds_bucket[1m])))"},
      {"quantile 0", "histogram_quantile(0, sum by (le) (rate(apisix_http_latency_bucket[1m])))"},
      {"quantile per series", "histogram_quantile(0.5, rate(osm_request_duration_ms_bucket[1m]))"},
      {"quantile without +Inf", R"(histogram_quantile(0.5, rate(istio_request_duration_milliseconds_bucket{le!="+Inf"}[1m])))"},
      {"over_time", R"(avg_over_time(aviary_test_gauge{kind="value"}[2m]) + max_over_time(aviary_test_gauge{kind="value"}[2m]) - count_over_time(aviary_test_gauge[1m]))"},
      {"power and unary", R"(-sum(rate(istio_requests_total{response_code="404"}[1m])) ^ 2 % 7)"},
      {"long window", R"(rate(istio_requests_total{destination_workload="podinfo"}[10m]))"},
      {"execution error: many-to-many", "istio_requests_total + on(response_code) istio_requests_total"},
  };
  return kCorpus;
}

const std::vector<CorpusQuery>& unsupportedCorpus() {
  static const std::vector<CorpusQuery> kCorpus = {
      {"the \"topk\" aggregation", "topk(2, rate(istio_requests_total[1m]))"},
      {"a subquery", "max_over_time(rate(istio_requests_total[1m])[5m:1m])"},
      {"the \"or\" operator", "istio_requests_total or response_total"},
      {"the function \"label_replace\"", R"q(label_replace(response_total, "a", "$1", "namespace", "(.*)"))q"},
  };
  return kCorpus;
}

}  // namespace aviary::tsdb::testing
