// The Istio router on a VirtualService of any shape, as another controller or a user may leave it:
// readRoutes (GetRoutes), sameRouting (Reconcile's comparison) and applyRoutes (SetRoutes on the
// existing spec) for an HTTP, a session-affinity, an A/B and a TCP Canary. Looks for crashes and
// exceptions escaping (nlohmann type errors): each must return a Result instead.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "api/decode.h"
#include "router/istio/istio_objects.h"

namespace {

using aviary::api::Canary;
namespace istio = aviary::router::istio;

std::vector<Canary> canaries() {
  const char* base = R"(apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
)";
  std::vector<Canary> out;
  for (const char* rest : {
           "  service: {port: 9898}\n  analysis: {interval: 1m}\n",
           "  service: {port: 9898, headers: {response: {add: {a: b}}}}\n  analysis: {interval: 1m, sessionAffinity: {cookieName: c1}}\n",
           "  service: {port: 9898, match: [{uri: {prefix: /a}}]}\n  analysis: {iterations: 2, match: [{headers: {x: {exact: y}}}]}\n",
           "  service: {port: 9898, appProtocol: tcp, match: [{port: 9898}]}\n",
       }) {
    auto r = aviary::api::loadString(std::string(base) + rest, "fuzz.yaml");
    if (!r.canaries.empty()) out.push_back(r.canaries[0]);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Canary> kCanaries = canaries();
  const auto vs = nlohmann::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), nullptr, false);
  if (vs.is_discarded()) return 0;
  for (const auto& canary : kCanaries) {
    (void)istio::readRoutes(canary, vs);
    if (auto desired = istio::virtualServiceSpec(canary); desired.ok() && vs.is_object() && vs.contains("spec")) {
      (void)istio::sameRouting(canary, *desired, vs["spec"]);
    }
    aviary::SeededRandom random(1);
    aviary::api::CanaryStatus status;
    nlohmann::json spec = vs.is_object() && vs.contains("spec") ? vs["spec"] : vs;
    (void)istio::applyRoutes(canary, status, aviary::router::Weights::withCanary(10), aviary::router::Mirror::Yes, random, spec);
    (void)spec.dump();
  }
  return 0;
}
