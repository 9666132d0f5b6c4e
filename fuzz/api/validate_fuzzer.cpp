// libFuzzer harness: decode arbitrary bytes as a multi-document YAML/JSON file, validate
// everything (plain and --strict), render both reports, and check that every resource that
// decoded cleanly survives encode -> decode -> encode unchanged. Any exception, crash or
// sanitizer report is a bug: the decoder must turn all bad input into Errors.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "api/decode.h"
#include "api/encode.h"
#include "api/report.h"

namespace {

template <typename T>
void checkRoundTrip(const T& resource) {
  using aviary::api::encode;
  std::string once = encode(resource).dump();
  auto again = aviary::api::loadString(once, "roundtrip.json");
  if (!again.ok()) {
    std::fprintf(stderr, "re-decoding an encoded resource failed: %s\n%s\n", again.errors[0].format().c_str(),
                 once.c_str());
    std::abort();
  }
  std::string twice;
  if constexpr (std::is_same_v<T, aviary::api::Canary>) twice = encode(again.canaries.at(0)).dump();
  if constexpr (std::is_same_v<T, aviary::api::MetricTemplate>) twice = encode(again.templates.at(0)).dump();
  if constexpr (std::is_same_v<T, aviary::api::AlertProvider>) twice = encode(again.alertProviders.at(0)).dump();
  if (once != twice) {
    std::fprintf(stderr, "round trip not stable:\n%s\n%s\n", once.c_str(), twice.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // larger inputs add time, not coverage
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto loaded = aviary::api::loadString(text, "fuzz.yaml");
  for (bool strict : {false, true}) {
    auto reports = aviary::api::checkAll(loaded, strict);
    (void)aviary::api::formatText(reports);
    (void)aviary::api::formatJson(reports).dump();
  }
  for (const auto& c : loaded.canaries) checkRoundTrip(c);
  for (const auto& t : loaded.templates) checkRoundTrip(t);
  for (const auto& p : loaded.alertProviders) checkRoundTrip(p);
  return 0;
}
