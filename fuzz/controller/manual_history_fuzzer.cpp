// What the controller reads from objects anyone with `patch` on a Canary (or `update` on a
// ConfigMap) may write: the annotation aviary.dev/action and the rollout history's JSON
// (NAME-aviary-history). Looks for crashes and exceptions escaping (nlohmann type errors): a bad
// annotation must be an Error, a bad record an empty one.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "controller/history.h"
#include "controller/manual.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto a = aviary::controller::actionFromAnnotations({{aviary::controller::kActionAnnotation, text}});
  if (a.ok()) (void)aviary::controller::formatAction(*a);
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_discarded()) {
    const auto r = aviary::controller::recordFromJson(j);
    (void)aviary::controller::toJson(r).dump();
    if (j.is_array()) {
      for (const auto& x : j) (void)aviary::controller::recordFromJson(x);
    }
  }
  return 0;
}
