#include "proxy/stats.h"

#include <fmt/format.h>

#include <map>

namespace aviary::proxy {

std::string formatResponseFlags(uint16_t flags) {
  if (flags == 0) return "-";
  static constexpr std::pair<uint16_t, const char*> kNames[] = {
      {kFlagUH, "UH"}, {kFlagUF, "UF"}, {kFlagUO, "UO"},   {kFlagNR, "NR"},  {kFlagURX, "URX"},
      {kFlagUT, "UT"}, {kFlagUC, "UC"}, {kFlagDC, "DC"},   {kFlagDPE, "DPE"}, {kFlagUPE, "UPE"},
      {kFlagSI, "SI"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (flags & bit) out += (out.empty() ? "" : ",") + std::string(name);
  }
  return out;
}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < kBucketCount && value > kIstioBuckets[i]) ++i;
  buckets[i].add(1);
  count.add(1);
  sumMicros.add(static_cast<uint64_t>(value * 1000.0));
}

ThreadStats::ThreadStats() : slots_(new std::atomic<Series*>[kSlots]) {
  for (size_t i = 0; i < kSlots; ++i) slots_[i].store(nullptr, std::memory_order_relaxed);
}

ThreadStats::~ThreadStats() {
  for (size_t i = 0; i < kSlots; ++i) delete slots_[i].load(std::memory_order_relaxed);
}

void ThreadStats::record(const LabelSetPtr& labels, uint16_t code, uint16_t flags, double durationMs,
                         uint64_t requestBytes, uint64_t responseBytes) {
  uint64_t h = reinterpret_cast<uintptr_t>(labels.get()) * 0x9E3779B97F4A7C15ull;
  h ^= (static_cast<uint64_t>(code) << 16 | flags) * 0xC2B2AE3D27D4EB4Full;
  size_t idx = (h >> 20) & (kSlots - 1);
  // Open addressing with linear probing; this thread is the only inserter, so a slot read as
  // empty stays empty until we fill it.
  for (size_t probe = 0; probe < 64; ++probe, idx = (idx + 1) & (kSlots - 1)) {
    Series* s = slots_[idx].load(std::memory_order_relaxed);
    if (s == nullptr) {
      s = new Series();
      s->labels = labels;
      s->code = code;
      s->flags = flags;
      slots_[idx].store(s, std::memory_order_release);
    } else if (s->labels.get() != labels.get() || s->code != code || s->flags != flags) {
      continue;
    }
    s->requests.add(1);
    s->duration.observe(durationMs);
    s->requestBytes.observe(static_cast<double>(requestBytes));
    s->responseBytes.observe(static_cast<double>(responseBytes));
    return;
  }
  overflow_.add(1);
}

std::shared_ptr<ThreadStats> StatsRegistry::addThread() {
  auto t = std::make_shared<ThreadStats>();
  std::lock_guard lock(mu_);
  threads_.push_back(t);
  return t;
}

namespace {

struct Merged {
  uint64_t requests = 0;
  uint64_t buckets[3][kBucketCount + 1] = {};
  uint64_t counts[3] = {};
  uint64_t sums[3] = {};
};

void addHistogram(Merged& m, int i, const Histogram& h) {
  for (size_t b = 0; b <= kBucketCount; ++b) m.buckets[i][b] += h.buckets[b].get();
  m.counts[i] += h.count.get();
  m.sums[i] += h.sumMicros.get();
}

std::string fmtBound(double b) { return fmt::format("{}", b); }

}  // namespace

std::string StatsRegistry::renderPrometheus() const {
  // Merge by full label text: equal labels from different threads (or from several config
  // generations) become one series, so counters stay monotonic across config swaps.
  std::map<std::string, Merged> merged;
  uint64_t overflow = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& t : threads_) {
      overflow += t->overflow();
      t->forEach([&](const Series& s) {
        std::string key = fmt::format("{},response_code=\"{}\",response_flags=\"{}\"", s.labels->text, s.code,
                                      formatResponseFlags(s.flags));
        Merged& m = merged[key];
        m.requests += s.requests.get();
        addHistogram(m, 0, s.duration);
        addHistogram(m, 1, s.requestBytes);
        addHistogram(m, 2, s.responseBytes);
      });
    }
  }
  std::string out;
  out.reserve(4096 + merged.size() * 8192);
  out += "# HELP istio_requests_total Requests handled by the proxy (Istio standard metric).\n";
  out += "# TYPE istio_requests_total counter\n";
  for (const auto& [labels, m] : merged) fmt::format_to(std::back_inserter(out), "istio_requests_total{{{}}} {}\n", labels, m.requests);
  static constexpr const char* kNames[3] = {"istio_request_duration_milliseconds", "istio_request_bytes",
                                             "istio_response_bytes"};
  static constexpr const char* kHelp[3] = {"Request duration in milliseconds (Istio standard metric).",
                                            "HTTP request body sizes in bytes (Istio standard metric).",
                                            "HTTP response body sizes in bytes (Istio standard metric)."};
  for (int i = 0; i < 3; ++i) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} histogram\n", kNames[i], kHelp[i], kNames[i]);
    for (const auto& [labels, m] : merged) {
      uint64_t cumulative = 0;
      for (size_t b = 0; b <= kBucketCount; ++b) {
        cumulative += m.buckets[i][b];
        fmt::format_to(std::back_inserter(out), "{}_bucket{{{},le=\"{}\"}} {}\n", kNames[i], labels,
                       b < kBucketCount ? fmtBound(kIstioBuckets[b]) : std::string("+Inf"), cumulative);
      }
      fmt::format_to(std::back_inserter(out), "{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", kNames[i], labels,
                     static_cast<double>(m.sums[i]) / 1000.0, kNames[i], labels, m.counts[i]);
    }
  }
  fmt::format_to(std::back_inserter(out),
                 "# HELP aviary_proxy_stats_overflow_total Requests not recorded because a worker's series table was full.\n"
                 "# TYPE aviary_proxy_stats_overflow_total counter\naviary_proxy_stats_overflow_total {}\n"
                 "# HELP aviary_proxy_config_swaps_total Configurations applied after the first.\n"
                 "# TYPE aviary_proxy_config_swaps_total counter\naviary_proxy_config_swaps_total {}\n"
                 "# HELP aviary_proxy_outlier_ejections_total Endpoints ejected by passive outlier detection.\n"
                 "# TYPE aviary_proxy_outlier_ejections_total counter\naviary_proxy_outlier_ejections_total {}\n"
                 "# HELP aviary_proxy_downstream_connections_active Open client connections.\n"
                 "# TYPE aviary_proxy_downstream_connections_active gauge\naviary_proxy_downstream_connections_active {}\n"
                 "# HELP aviary_proxy_upstream_connections_active Open backend connections (in use or pooled).\n"
                 "# TYPE aviary_proxy_upstream_connections_active gauge\naviary_proxy_upstream_connections_active {}\n"
                 "# HELP aviary_proxy_send_batches_total System calls that sent a round's writes together (batchSends).\n"
                 "# TYPE aviary_proxy_send_batches_total counter\naviary_proxy_send_batches_total {}\n"
                 "# HELP aviary_proxy_batched_sends_total Writes sent in those system calls.\n"
                 "# TYPE aviary_proxy_batched_sends_total counter\naviary_proxy_batched_sends_total {}\n",
                 overflow, configSwaps.get(), ejections.load(), activeDownstream.load(), activeUpstream.load(),
                 sendBatches.load(std::memory_order_relaxed), batchedSends.load(std::memory_order_relaxed));
  return out;
}

}  // namespace aviary::proxy
