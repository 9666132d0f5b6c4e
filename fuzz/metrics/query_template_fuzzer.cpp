// Fuzzes the hand-written Go-template subset used to render metric queries (MetricTemplate.query
// and in-line queries come from users' files): renderQuery must return a value or an Error for any
// input, never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "metrics/query_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const aviary::metrics::QueryModel model = [] {
    aviary::metrics::QueryModel m;
    m.name = "podinfo";
    m.namespace_ = "test";
    m.target = "podinfo";
    m.service = "podinfo";
    m.ingress = "podinfo";
    m.route = "podinfo";
    m.interval = "1m";
    m.variables = {{"key", "value"}, {"threshold", "5"}};
    return m;
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto rendered = aviary::metrics::renderQuery(text, model);
  if (rendered.ok()) (void)aviary::metrics::collapseWhitespace(rendered.value());
  return 0;
}
