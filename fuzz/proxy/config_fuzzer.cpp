// libFuzzer target: the proxy config decoder and validator (YAML/JSON text → ProxyConfig or a
// list of positioned errors). A successfully decoded config must render to JSON that decodes again.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "proxy/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16 * 1024) return 0;  // longer inputs add time, not coverage (nesting is bounded by yaml/tree.h)
  std::string text(reinterpret_cast<const char*>(data), size);
  auto cfg = aviary::proxy::decodeProxyConfig(text, "fuzz.yaml");
  if (cfg.ok()) {
    auto again = aviary::proxy::decodeProxyConfig(aviary::proxy::toJson(cfg.value()), "fuzz.json");
    if (!again.ok()) std::abort();
  } else if (cfg.error().message.empty()) {
    std::abort();
  }
  return 0;
}
