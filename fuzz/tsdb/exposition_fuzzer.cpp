// Fuzzes the text exposition parser (scraped bodies come from any target the user names): it
// must return samples or an Error for any input, never crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tsdb/exposition.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)aviary::tsdb::parseExposition(text);
  return 0;
}
