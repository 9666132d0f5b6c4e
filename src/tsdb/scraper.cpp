#include "tsdb/scraper.h"

#include <condition_variable>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "common/http_client.h"
#include "common/log.h"
#include "tsdb/exposition.h"

namespace aviary::tsdb {

using promql::Labels;
using promql::Millis;

std::string instanceOf(const std::string& url) {
  std::string rest = url;
  std::string defaultPort = "80";
  if (auto p = rest.find("://"); p != std::string::npos) {
    if (rest.substr(0, p) == "https") defaultPort = "443";
    rest = rest.substr(p + 3);
  }
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  bool hasPort = !rest.empty() && rest.back() != ']' && rest.find(':', rest.rfind(']') == std::string::npos ? 0 : rest.rfind(']')) != std::string::npos;
  return hasPort ? rest : rest + ":" + defaultPort;
}

class ScrapeLoop {
 public:
  ScrapeLoop(Store& store, ScrapeManager::Options options, const Clock& clock, ScrapeTarget target,
             std::atomic<Millis>& lastTrim)
      : store_(store), options_(options), clock_(clock), target_(std::move(target)),
        instance_(instanceOf(target_.url)), lastTrim_(lastTrim) {
    health_.target = target_;
    if (options_.loopsForTest) thread_ = std::thread([this] { run(); });
  }
  ~ScrapeLoop() { stop(false); }

  // Joins the thread; with markStale, ends every series this target wrote (target removed).
  void stop(bool markStale) {
    {
      std::lock_guard lock(waitMu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (markStale) {
      std::lock_guard lock(scrapeMu_);
      std::vector<Store::Entry> batch;
      Millis now = nowMs();
      for (const auto& [key, labels] : previous_) batch.push_back({labels, {now, promql::staleNaN()}});
      for (const char* name : {"up", "scrape_duration_seconds", "scrape_samples_scraped"}) {
        batch.push_back({reportLabels(name), {now, promql::staleNaN()}});
      }
      store_.append(batch);
      previous_.clear();
    }
  }

  void scrapeOnce() {
    std::lock_guard lock(scrapeMu_);
    const Millis start = nowMs();
    const auto t0 = std::chrono::steady_clock::now();
    std::string error;
    std::vector<ParsedSample> parsed;
    http::Request req;
    req.url = target_.url;
    req.timeout = std::min(options_.timeout, options_.interval);
    req.connectTimeout = req.timeout;
    req.headers = {{"Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1"}, {"User-Agent", "aviary-metrics-server"}};
    auto resp = http::perform(req);
    if (!resp.ok()) {
      error = resp.error().message;
    } else if (resp->status != 200) {
      error = fmt::format("server returned HTTP status {}", resp->status);
    } else if (resp->body.size() > options_.maxBodyBytes) {
      error = fmt::format("body of {} bytes exceeds the limit of {}", resp->body.size(), options_.maxBodyBytes);
    } else {
      auto p = parseExposition(resp->body);
      if (p.ok()) {
        parsed = std::move(*p);
      } else {
        error = p.error().message;
      }
    }
    std::vector<Store::Entry> batch;
    std::map<std::string, Labels> seen;
    if (error.empty()) {
      batch.reserve(parsed.size() + previous_.size() + 3);
      for (auto& s : parsed) {
        Labels labels = targetLabels(std::move(s.labels));
        if (!s.timestamp) seen.emplace(labelsKey(labels), labels);
        batch.push_back({std::move(labels), {s.timestamp.value_or(start), s.value}});
      }
    }
    for (const auto& [key, labels] : previous_) {
      if (!seen.contains(key)) batch.push_back({labels, {start, promql::staleNaN()}});
    }
    previous_ = std::move(seen);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    batch.push_back({reportLabels("up"), {start, error.empty() ? 1.0 : 0.0}});
    batch.push_back({reportLabels("scrape_duration_seconds"), {start, seconds}});
    batch.push_back({reportLabels("scrape_samples_scraped"), {start, static_cast<double>(parsed.size())}});
    store_.append(batch);
    // Retention is enforced here, by whichever loop comes first after a second has passed (a
    // trim walks every series under the exclusive lock, so not on every scrape of every target).
    Millis trimmed = lastTrim_.load();
    if (start - trimmed >= 1000 && lastTrim_.compare_exchange_strong(trimmed, start)) store_.trim(start);
    if (!error.empty() && error != health_.lastError) {
      spdlog::warn("metrics-server: scrape of {} failed: {}", target_.url, error);
    }
    std::lock_guard hl(healthMu_);
    health_.up = error.empty();
    health_.lastScrape = start;
    health_.lastError = error;
    health_.lastSamples = parsed.size();
  }

  TargetHealth health() const {
    std::lock_guard hl(healthMu_);
    return health_;
  }

 private:
  Millis nowMs() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now().time_since_epoch()).count();
  }

  Labels targetLabels(Labels labels) const {
    for (auto& l : labels) {
      if (l.name == "job" || l.name == "instance") l.name = "exported_" + l.name;
    }
    labels.push_back({"job", target_.job});
    labels.push_back({"instance", instance_});
    return promql::normalizeLabels(std::move(labels));
  }
  Labels reportLabels(const char* name) const {
    return promql::normalizeLabels({{std::string(promql::kMetricName), name}, {"job", target_.job}, {"instance", instance_}});
  }

  void run() {
    while (true) {
      scrapeOnce();
      std::unique_lock lock(waitMu_);
      if (cv_.wait_for(lock, options_.interval, [this] { return stopping_; })) return;
    }
  }

  Store& store_;
  ScrapeManager::Options options_;
  const Clock& clock_;
  const ScrapeTarget target_;
  const std::string instance_;
  std::atomic<Millis>& lastTrim_;
  std::mutex scrapeMu_;                   // one scrape at a time; guards previous_
  std::map<std::string, Labels> previous_;  // series of the last scrape without explicit timestamps
  mutable std::mutex healthMu_;
  TargetHealth health_;
  std::mutex waitMu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

ScrapeManager::ScrapeManager(Store& store, Options options) : store_(store), options_(options) {
  if (options_.clock == nullptr) options_.clock = &systemClock_;
}

ScrapeManager::~ScrapeManager() { stop(); }

void ScrapeManager::setTargets(std::vector<ScrapeTarget> targets) {
  std::vector<std::unique_ptr<ScrapeLoop>> removed;
  {
    std::lock_guard lock(mu_);
    std::set<std::string> wanted;
    for (auto& t : targets) {
      std::string key = t.job + "\n" + t.url;
      wanted.insert(key);
      if (!loops_.contains(key)) {
        loops_.emplace(key, std::make_unique<ScrapeLoop>(store_, options_, *options_.clock, std::move(t), lastTrim_));
      }
    }
    for (auto it = loops_.begin(); it != loops_.end();) {
      if (wanted.contains(it->first)) {
        ++it;
      } else {
        removed.push_back(std::move(it->second));
        it = loops_.erase(it);
      }
    }
  }
  // Joined outside the lock: a loop may be mid-scrape for up to the scrape timeout.
  for (auto& loop : removed) loop->stop(true);
}

void ScrapeManager::scrapeAllNowForTest() {
  std::lock_guard lock(mu_);
  for (auto& [key, loop] : loops_) loop->scrapeOnce();
}

std::vector<TargetHealth> ScrapeManager::health() const {
  std::lock_guard lock(mu_);
  std::vector<TargetHealth> out;
  for (const auto& [key, loop] : loops_) out.push_back(loop->health());
  return out;
}

void ScrapeManager::stop() {
  std::map<std::string, std::unique_ptr<ScrapeLoop>> loops;
  {
    std::lock_guard lock(mu_);
    loops.swap(loops_);
  }
  for (auto& [key, loop] : loops) loop->stop(false);
}

}  // namespace aviary::tsdb
