#include "tsdb/store.h"

#include <algorithm>
#include <bit>
#include <mutex>
#include <set>

namespace aviary::tsdb {

using promql::Sample;

std::string labelsKey(const Labels& labels) {
  std::string key;
  for (const auto& l : labels) {
    key += l.name;
    key += '\xff';
    key += l.value;
    key += '\xff';
  }
  return key;
}

Store::Store(StoreOptions options) : options_(options) {}

AppendResult Store::append(const std::vector<Entry>& batch) {
  AppendResult r;
  std::unique_lock lock(mu_);
  for (const auto& e : batch) {
    std::string key = labelsKey(e.labels);
    auto it = byKey_.find(key);
    uint32_t id;
    if (it == byKey_.end()) {
      if (series_.size() >= options_.maxSeries) {
        ++r.seriesLimited;
        ++seriesRefused_;
        continue;
      }
      id = static_cast<uint32_t>(series_.size());
      series_.push_back({e.labels, {}});
      byKey_.emplace(std::move(key), id);
      byName_[std::string(promql::labelValue(e.labels, promql::kMetricName))].push_back(id);
    } else {
      id = it->second;
    }
    auto& samples = series_[id].samples;
    switch (samples.append(e.sample)) {
      case ChunkedSamples::AppendStatus::Appended: break;
      case ChunkedSamples::AppendStatus::Duplicate: continue;  // Prometheus ignores it too
      case ChunkedSamples::AppendStatus::OutOfOrder:
        ++r.outOfOrder;
        ++outOfOrder_;
        continue;
    }
    samples.keepNewest(options_.maxSamplesPerSeries);
    ++r.appended;
  }
  return r;
}

void Store::trim(Millis now) {
  const Millis cutoff = now - options_.retention.count();
  std::unique_lock lock(mu_);
  bool removed = false;
  for (auto& s : series_) {
    s.samples.dropBefore(cutoff);
    if (s.samples.empty()) removed = true;
  }
  if (removed) {
    std::erase_if(series_, [](const SeriesData& s) { return s.samples.empty(); });
    rebuildIndex();
  }
}

void Store::rebuildIndex() {
  byKey_.clear();
  byName_.clear();
  for (uint32_t id = 0; id < series_.size(); ++id) {
    byKey_.emplace(labelsKey(series_[id].labels), id);
    byName_[std::string(promql::labelValue(series_[id].labels, promql::kMetricName))].push_back(id);
  }
}

std::vector<uint32_t> Store::candidates(const promql::Matchers& matchers) const {
  for (const auto& m : matchers) {
    if (m.name() == promql::kMetricName && m.type() == promql::MatchType::Equal) {
      auto it = byName_.find(m.value());
      return it == byName_.end() ? std::vector<uint32_t>{} : it->second;
    }
  }
  std::vector<uint32_t> all(series_.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  return all;
}

std::vector<promql::Series> Store::selectImpl(const promql::Matchers& matchers, Millis mint, Millis maxt,
                                             bool latestOnly) const {
  std::vector<promql::Series> out;
  std::shared_lock lock(mu_);
  for (uint32_t id : candidates(matchers)) {
    const auto& s = series_[id];
    if (!promql::matchesAll(matchers, s.labels)) continue;
    std::vector<Sample> samples;
    if (latestOnly) {
      if (auto last = s.samples.latest(mint, maxt)) samples.push_back(*last);
    } else {
      s.samples.collect(mint, maxt, samples);
    }
    if (!samples.empty()) out.push_back({s.labels, std::move(samples)});
  }
  return out;
}

std::vector<promql::Series> Store::select(const promql::Matchers& matchers, Millis mint, Millis maxt) const {
  return selectImpl(matchers, mint, maxt, false);
}

std::vector<promql::Series> Store::selectLatest(const promql::Matchers& matchers, Millis mint, Millis maxt) const {
  return selectImpl(matchers, mint, maxt, true);
}

template <typename Fn>
void Store::forEachMatching(const std::vector<promql::Matchers>& sets, Millis mint, Millis maxt, Fn&& fn) const {
  for (uint32_t id = 0; id < series_.size(); ++id) {
    const auto& s = series_[id];
    bool any = sets.empty();
    for (const auto& m : sets) any = any || promql::matchesAll(m, s.labels);
    if (!any) continue;
    if (s.samples.latest(mint, maxt)) fn(s);
  }
}

std::vector<Labels> Store::series(const std::vector<promql::Matchers>& sets, Millis mint, Millis maxt) const {
  std::set<Labels> out;
  std::shared_lock lock(mu_);
  forEachMatching(sets, mint, maxt, [&](const SeriesData& s) { out.insert(s.labels); });
  return {out.begin(), out.end()};
}

std::vector<std::string> Store::labelNames(const std::vector<promql::Matchers>& sets, Millis mint, Millis maxt) const {
  std::set<std::string> out;
  std::shared_lock lock(mu_);
  forEachMatching(sets, mint, maxt, [&](const SeriesData& s) {
    for (const auto& l : s.labels) out.insert(l.name);
  });
  return {out.begin(), out.end()};
}

std::vector<std::string> Store::labelValues(const std::string& name, const std::vector<promql::Matchers>& sets,
                                            Millis mint, Millis maxt) const {
  std::set<std::string> out;
  std::shared_lock lock(mu_);
  forEachMatching(sets, mint, maxt, [&](const SeriesData& s) {
    auto v = promql::labelValue(s.labels, name);
    if (!v.empty()) out.insert(std::string(v));
  });
  return {out.begin(), out.end()};
}

StoreStats Store::stats() const {
  StoreStats st;
  std::shared_lock lock(mu_);
  st.series = series_.size();
  for (const auto& s : series_) {
    st.samples += s.samples.size();
    st.chunks += s.samples.chunkCount();
    st.chunkBytes += s.samples.heapBytes();
    st.approxBytes += 200 + s.samples.heapBytes();
    for (const auto& l : s.labels) st.approxBytes += l.name.size() + l.value.size() + 2 * sizeof(std::string);
  }
  st.seriesRefused = seriesRefused_;
  st.samplesOutOfOrder = outOfOrder_;
  return st;
}

}  // namespace aviary::tsdb
