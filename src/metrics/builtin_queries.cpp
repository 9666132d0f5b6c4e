#include "metrics/builtin_queries.h"
#include "common/quote.h"

#include <fmt/format.h>

namespace aviary::metrics {

// Copied character for character from Flagger (see flagger-integration.md §4.2); the golden test
// pins the collapsed wire form.
const std::string_view kIstioRequestSuccessRateQuery =
    "\n"
    "\tsum(\n"
    "\t\trate(\n"
    "\t\t\tistio_requests_total{\n"
    "\t\t\t\treporter=\"destination\",\n"
    "\t\t\t\tdestination_workload_namespace=\"{{ namespace }}\",\n"
    "\t\t\t\tdestination_workload=~\"{{ target }}\",\n"
    "\t\t\t\tresponse_code!~\"5.*\"\n"
    "\t\t\t}[{{ interval }}]\n"
    "\t\t)\n"
    "\t) \n"
    "\t/ \n"
    "\tsum(\n"
    "\t\trate(\n"
    "\t\t\tistio_requests_total{\n"
    "\t\t\t\treporter=\"destination\",\n"
    "\t\t\t\tdestination_workload_namespace=\"{{ namespace }}\",\n"
    "\t\t\t\tdestination_workload=~\"{{ target }}\"\n"
    "\t\t\t}[{{ interval }}]\n"
    "\t\t)\n"
    "\t) \n"
    "\t* 100";

const std::string_view kIstioRequestDurationQuery =
    "\n"
    "\thistogram_quantile(\n"
    "\t\t0.99,\n"
    "\t\tsum(\n"
    "\t\t\trate(\n"
    "\t\t\t\tistio_request_duration_milliseconds_bucket{\n"
    "\t\t\t\t\treporter=\"destination\",\n"
    "\t\t\t\t\tdestination_workload_namespace=\"{{ namespace }}\",\n"
    "\t\t\t\t\tdestination_workload=~\"{{ target }}\"\n"
    "\t\t\t\t}[{{ interval }}]\n"
    "\t\t\t)\n"
    "\t\t) by (le)\n"
    "\t)";

Result<std::string_view> builtinQueryTemplate(MetricKind kind, const std::string& metricsProvider) {
  const std::string& p = metricsProvider;
  static const char* kOtherObservers[] = {"linkerd", "contour", "nginx",  "skipper", "traefik",
                                          "osm",     "kuma",    "apisix", "knative", "kubernetes"};
  bool other = p.starts_with("appmesh") || p.starts_with("gloo") || p.starts_with("gatewayapi");
  for (const char* o : kOtherObservers) other = other || p == o;
  if (other) {
    return makeError(ErrorCode::Invalid,
                     fmt::format("builtin metrics for provider {} are not implemented (Aviary implements the "
                                 "Istio observer only); use a MetricTemplate instead",
                                 quote(p)));
  }
  if (kind == MetricKind::SuccessRate) return kIstioRequestSuccessRateQuery;
  if (kind == MetricKind::Duration) return kIstioRequestDurationQuery;
  return makeError(ErrorCode::Internal, "builtinQueryTemplate called for a non-builtin metric");
}

}  // namespace aviary::metrics
