// Fuzzes the PromQL parser (queries come from HTTP clients: the API is reachable by anything that
// can reach the port) and, for inputs that parse, the evaluator over a small fixed store: both must
// return a value or an Error for any input, never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "promql/engine.h"
#include "promql/parser.h"

namespace {

class FixedStorage : public aviary::promql::Queryable {
 public:
  std::vector<aviary::promql::Series> select(const aviary::promql::Matchers& matchers, aviary::promql::Millis mint,
                                             aviary::promql::Millis maxt) const override {
    using namespace aviary::promql;
    static const std::vector<Series> kAll = [] {
      std::vector<Series> all;
      for (const char* code : {"200", "404", "503"}) {
        for (const char* le : {"10", "100", "+Inf"}) {
          Series s{normalizeLabels({{"__name__", "m_bucket"}, {"code", code}, {"le", le}}), {}};
          for (Millis t = 0; t <= 600000; t += 15000) s.samples.push_back({t, static_cast<double>(t / 1000 % 97)});
          s.samples.push_back({615000, staleNaN()});
          all.push_back(std::move(s));
        }
        all.push_back({normalizeLabels({{"__name__", "c_total"}, {"code", code}}), {{0, 1}, {30000, 0}, {60000, 5}}});
      }
      return all;
    }();
    std::vector<Series> out;
    for (const auto& s : kAll) {
      if (!matchesAll(matchers, s.labels)) continue;
      Series copy{s.labels, {}};
      for (const auto& x : s.samples) {
        if (x.t >= mint && x.t <= maxt) copy.samples.push_back(x);
      }
      if (!copy.samples.empty()) out.push_back(std::move(copy));
    }
    return out;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // queries are short; long inputs only slow the search down
  static const FixedStorage storage;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto expr = aviary::promql::parse(text);
  if (expr.ok()) (void)aviary::promql::evaluate(**expr, storage, 300000);
  return 0;
}
