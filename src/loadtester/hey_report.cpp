#include "loadtester/hey_report.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <vector>

namespace aviary::loadtester {
namespace {

double secs(int64_t ns) { return static_cast<double>(ns) / 1e9; }

// Go's %4.4f: NaN prints as " NaN".
std::string num(double v) {
  if (std::isnan(v)) return " NaN";
  return fmt::format("{:4.4f}", v);
}

std::string histogram(const HeyStats& st) {
  const auto& h = st.latency;
  if (h.count() == 0) return "";
  // hey: 11 marks from fastest to slowest; each latency counts in the first mark >= it.
  constexpr int kBuckets = 10;
  double fastest = secs(h.min()), slowest = secs(h.max());
  double width = (slowest - fastest) / kBuckets;
  std::vector<double> marks(kBuckets + 1);
  for (int i = 0; i < kBuckets; ++i) marks[static_cast<size_t>(i)] = fastest + width * i;
  marks[kBuckets] = slowest;
  std::vector<uint64_t> counts(marks.size(), 0);
  size_t bi = 0;
  h.forEach([&](int64_t value, uint64_t count) {
    double v = secs(value);
    while (bi + 1 < marks.size() && v > marks[bi]) ++bi;
    counts[bi] += count;
  });
  uint64_t max = 0;
  for (auto c : counts) max = std::max(max, c);
  std::string out;
  for (size_t i = 0; i < marks.size(); ++i) {
    uint64_t bar = max ? (counts[i] * 40 + max / 2) / max : 0;
    std::string bars;
    for (uint64_t b = 0; b < bar; ++b) bars += "\xe2\x96\xa0";  // U+25A0 as in Debian's hey
    out += fmt::format("  {:4.3f} [{}]\t|{}\n", marks[i], counts[i], bars);
  }
  return out;
}

std::string details(const char* name, const PhaseStats& p, uint64_t n) {
  double avg = n ? secs(p.sum) / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
  return fmt::format("  {}:\t{} secs, {} secs, {} secs\n", name, num(avg), num(n ? secs(p.min) : 0),
                     num(n ? secs(p.max) : 0));
}

}  // namespace

double heyPercentile(const HeyStats& st, int pct) {
  uint64_t n = st.latency.count();
  if (n == 0) return 0;
  // hey takes the first sorted index i with i*100/n >= pct.
  uint64_t rank = (static_cast<uint64_t>(pct) * n + 99) / 100;
  if (rank >= n) return 0;
  return secs(st.latency.valueAtRank(rank));
}

std::string formatHeySummary(const HeyResult& r) {
  const HeyStats& st = r.stats;
  uint64_t n = st.latency.count();
  uint64_t results = st.responses + st.errorCount;
  double nan = std::numeric_limits<double>::quiet_NaN();
  std::string out = "\nSummary:\n";
  out += fmt::format("  Total:\t{} secs\n", num(std::chrono::duration<double>(r.elapsed).count()));
  out += fmt::format("  Slowest:\t{} secs\n", num(secs(st.latency.max())));
  out += fmt::format("  Fastest:\t{} secs\n", num(secs(st.latency.min())));
  out += fmt::format("  Average:\t{} secs\n", num(n ? st.latency.mean() / 1e9 : nan));
  out += fmt::format("  Requests/sec:\t{}\n", num(static_cast<double>(results) / std::chrono::duration<double>(r.elapsed).count()));
  out += "  ";
  if (st.sizeTotal > 0) {
    out += fmt::format("\n  Total data:\t{} bytes\n  Size/request:\t{} bytes", st.sizeTotal,
                       n ? st.sizeTotal / static_cast<int64_t>(n) : 0);
  }
  out += "\n\nResponse time histogram:\n" + histogram(st) + "\n\nLatency distribution:";
  for (int p : {10, 25, 50, 75, 90, 95, 99}) {
    double v = heyPercentile(st, p);
    if (v > 0) out += fmt::format("\n  {}% in {} secs", p, num(v));
  }
  out += "\n\nDetails (average, fastest, slowest):\n";
  out += details("DNS+dialup", st.conn, n);
  out += details("DNS-lookup", st.dns, n);
  out += details("req write", st.write, n);
  out += details("resp wait", st.wait, n);
  out += details("resp read", st.read, n);
  out += "\nStatus code distribution:";
  for (size_t code = 0; code < st.statusCounts.size(); ++code) {
    if (st.statusCounts[code]) out += fmt::format("\n  [{}]\t{} responses", code, st.statusCounts[code]);
  }
  out += "\n\n";
  if (!st.errors.empty()) {
    out += "Error distribution:";
    for (const auto& [msg, count] : st.errors) out += fmt::format("\n  [{}]\t{}", count, msg);
  }
  out += "\n\n";
  return out;
}

std::string formatHeyCsv(const HeyResult& r) {
  std::string out = "response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset";
  for (const auto& c : r.stats.records) {
    out += fmt::format("\n{:4.4f},{:4.4f},{:4.4f},{:4.4f},{:4.4f},{:4.4f},{},{:4.4f}", secs(c.total), secs(c.conn),
                       secs(c.dns), secs(c.write), secs(c.wait), secs(c.read), c.status, secs(c.offset));
  }
  out += "\n";
  return out;
}

}  // namespace aviary::loadtester
