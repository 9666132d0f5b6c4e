#include "platform/local/manifest_dir.h"

#include <filesystem>

#include <fmt/format.h>

#include "api/encode.h"
#include "api/validate.h"
#include "common/atomic_file.h"
#include "common/log.h"

namespace aviary::platform::local {
namespace {

namespace fs = std::filesystem;

std::string nsOf(const std::string& ns) { return ns.empty() ? "default" : ns; }

template <typename T>
std::map<std::string, const T*> byKey(const std::vector<T>& items) {
  std::map<std::string, const T*> out;
  for (const auto& i : items) out[nsOf(i.metadata.namespace_) + "/" + i.metadata.name] = &i;
  return out;
}

// Same object as applied: compared through the encoder (positions are not encoded).
template <typename T>
bool same(const T& a, const T& b) {
  return api::encode(a) == api::encode(b);
}
bool same(const api::Workload& a, const api::Workload& b) {
  return api::workloadRevision(a) == api::workloadRevision(b) && a.spec.replicas == b.spec.replicas &&
         a.spec.terminationGracePeriodSeconds == b.spec.terminationGracePeriodSeconds;
}

// HPAs have no encoder: compared field by field (what the autoscaler reads).
bool same(const api::HorizontalPodAutoscaler& a, const api::HorizontalPodAutoscaler& b) {
  auto key = [](const api::HorizontalPodAutoscaler& h) {
    std::string s = fmt::format("{}|{}|{}|{}|{}|", h.spec.scaleTargetRef.kind, h.spec.scaleTargetRef.name,
                                h.spec.minReplicas, h.spec.maxReplicas, h.spec.behavior.has_value());
    for (const auto& m : h.spec.metrics)
      s += fmt::format("{}:{}:{}:{}:{}:{};", static_cast<int>(m.source), m.name, m.describedObject.kind,
                       m.describedObject.name, static_cast<int>(m.target.type), m.target.value);
    if (h.spec.behavior) {
      for (const auto* r : {&h.spec.behavior->scaleUp, &h.spec.behavior->scaleDown}) {
        if (!*r) {
          s += "-;";
          continue;
        }
        s += fmt::format("{}:{}:", (*r)->stabilizationWindowSeconds.value_or(-1),
                         (*r)->selectPolicy ? static_cast<int>(*(*r)->selectPolicy) : -1);
        for (const auto& p : (*r)->policies)
          s += fmt::format("{}/{}/{},", static_cast<int>(p.type), p.value, p.periodSeconds);
        s += ";";
      }
    }
    return s;
  };
  return key(a) == key(b);
}

std::pair<std::string, std::string> split(const std::string& key) {
  const auto slash = key.find('/');
  return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace

std::map<std::string, std::string> ManifestDir::readAll(std::vector<std::string>& errors) const {
  std::map<std::string, std::string> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir_, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    errors.push_back(fmt::format("{}: cannot read the directory: {}", dir_, ec.message()));
    return out;
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const auto& p = it->path();
    if (p.filename().string().rfind('.', 0) == 0) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    const auto ext = p.extension().string();
    if (!it->is_regular_file() || (ext != ".yaml" && ext != ".yml" && ext != ".json")) continue;
    if (auto text = readWholeFile(p.string()); text) {
      out[p.string()] = std::move(*text);
    } else {
      errors.push_back(text.error().message);
    }
  }
  return out;
}

ManifestDir::Report ManifestDir::sync() {
  Report report;
  auto contents = readAll(report.errors);
  // The candidate state: unchanged valid files as they are, changed files as read now.
  std::vector<std::string> changed;
  for (const auto& [path, text] : contents) {
    auto it = files_.find(path);
    if (it == files_.end() || it->second.content != text) changed.push_back(path);
  }
  std::vector<std::string> removed;
  for (const auto& [path, st] : files_)
    if (!contents.count(path)) removed.push_back(path);
  if (changed.empty() && removed.empty()) return report;
  report.changed = true;

  // Load each changed file on its own; then validate every valid file together (templateRefs and
  // targetRefs resolve across files) and reject the changed files that have errors.
  std::map<std::string, api::LoadResult> fresh;
  for (const auto& path : changed) fresh[path] = api::loadString(contents[path], path);
  api::LoadResult all;
  std::map<std::string, std::string> owner;  // "Kind ns/name" -> file, for duplicates
  std::set<std::string> rejected;
  auto consider = [&](const std::string& path, const api::LoadResult& r) {
    for (const auto& e : r.errors) report.errors.push_back(e.format());
    if (!r.ok()) {
      rejected.insert(path);
      return;
    }
    auto claim = [&](const std::string& kind, const api::ObjectMeta& m, const SourcePos& pos) {
      const std::string key = kind + " " + nsOf(m.namespace_) + "/" + m.name;
      auto [it, fresh] = owner.emplace(key, path);
      if (!fresh && it->second != path) {
        report.errors.push_back(fmt::format("{}:{}:{}: {} is already defined in {}", pos.file, pos.line, pos.column,
                                            key, it->second));
        rejected.insert(path);
      }
    };
    for (const auto& c : r.canaries) claim("Canary", c.metadata, c.pos);
    for (const auto& t : r.templates) claim("MetricTemplate", t.metadata, t.pos);
    for (const auto& a : r.alertProviders) claim("AlertProvider", a.metadata, a.pos);
    for (const auto& w : r.workloads) claim("Workload", w.metadata, w.pos);
    for (const auto& h : r.autoscalers) claim("HorizontalPodAutoscaler", h.metadata, h.pos);
  };
  for (const auto& [path, st] : files_) {
    if (!contents.count(path) || fresh.count(path) || !st.valid) continue;
    consider(path, st.loaded);
    api::LoadResult copy = st.loaded;
    all.append(std::move(copy));
  }
  for (const auto& [path, r] : fresh) {
    consider(path, r);
    if (!rejected.count(path)) {
      api::LoadResult copy = r;
      all.append(std::move(copy));
    }
  }
  api::ValidateOptions vo;
  vo.requireTemplates = !all.templates.empty();
  auto validation = api::validate(all, vo);
  for (const auto& f : validation.findings) {
    if (f.severity == api::Finding::Severity::Error) {
      report.errors.push_back(f.error.format());
      if (fresh.count(f.error.pos.file)) rejected.insert(f.error.pos.file);
    } else if (fresh.count(f.error.pos.file)) {
      report.warnings.push_back(f.error.format());
    }
  }
  for (const auto& path : changed) {
    if (rejected.count(path)) {
      report.errors.push_back(fmt::format("{}: not applied (what it applied before keeps running)", path));
      files_[path].content = contents[path];  // reported once, until it changes again
      continue;
    }
    auto& st = files_[path];
    applyDiff(st.valid ? &st.loaded : nullptr, &fresh[path], report);
    st.content = contents[path];
    st.valid = true;
    st.loaded = std::move(fresh[path]);
  }
  for (const auto& path : removed) {
    auto& st = files_[path];
    if (st.valid) applyDiff(&st.loaded, nullptr, report);
    files_.erase(path);
  }
  return report;
}

void ManifestDir::applyDiff(const api::LoadResult* before, const api::LoadResult* after, Report& report) {
  static const api::LoadResult kEmpty;
  const api::LoadResult& b = before ? *before : kEmpty;
  const api::LoadResult& a = after ? *after : kEmpty;
  auto& store = platform_.memoryStore();
  // Templates and providers first, then workloads, then canaries: what a canary refers to exists
  // before its first tick.
  {
    auto old = byKey(b.templates), now = byKey(a.templates);
    for (const auto& [k, t] : now) {
      if (old.count(k) && same(*old[k], *t)) continue;
      store.applyMetricTemplate(*t);
      report.applied.push_back("MetricTemplate " + k);
    }
    for (const auto& [k, t] : old) {
      if (now.count(k)) continue;
      auto [ns, name] = split(k);
      (void)store.deleteMetricTemplate(ns, name);
      report.applied.push_back("MetricTemplate " + k + " deleted");
    }
  }
  {
    auto old = byKey(b.alertProviders), now = byKey(a.alertProviders);
    for (const auto& [k, p] : now) {
      if (old.count(k) && same(*old[k], *p)) continue;
      store.applyAlertProvider(*p);
      report.applied.push_back("AlertProvider " + k);
    }
    for (const auto& [k, p] : old) {
      if (now.count(k)) continue;
      auto [ns, name] = split(k);
      (void)store.deleteAlertProvider(ns, name);
      report.applied.push_back("AlertProvider " + k + " deleted");
    }
  }
  {
    auto old = byKey(b.workloads), now = byKey(a.workloads);
    for (const auto& [k, w] : now) {
      if (old.count(k) && same(*old[k], *w)) continue;
      platform_.applyWorkload(*w);
      report.applied.push_back("Workload " + k);
    }
    for (const auto& [k, w] : old) {
      if (now.count(k)) continue;
      auto [ns, name] = split(k);
      platform_.deleteWorkload(ns, name);
      report.applied.push_back("Workload " + k + " deleted");
    }
  }
  {
    auto old = byKey(b.autoscalers), now = byKey(a.autoscalers);
    for (const auto& [k, h] : now) {
      if (old.count(k) && same(*old[k], *h)) continue;
      platform_.applyAutoscaler(*h);
      report.applied.push_back("HorizontalPodAutoscaler " + k);
    }
    for (const auto& [k, h] : old) {
      if (now.count(k)) continue;
      auto [ns, name] = split(k);
      platform_.deleteAutoscaler(ns, name);
      report.applied.push_back("HorizontalPodAutoscaler " + k + " deleted");
    }
  }
  {
    auto old = byKey(b.canaries), now = byKey(a.canaries);
    for (const auto& [k, c] : now) {
      if (old.count(k) && same(*old[k], *c)) continue;
      platform_.applyCanary(*c);
      report.applied.push_back("Canary " + k);
    }
    for (const auto& [k, c] : old) {
      if (now.count(k)) continue;
      auto [ns, name] = split(k);
      (void)platform_.deleteCanary(ns, name);
      report.applied.push_back("Canary " + k + " deleted");
    }
  }
  for (const auto& o : a.others) {
    const std::string key = o.kind + " " + nsOf(o.namespace_) + "/" + o.name;
    if (reportedOthers_.insert(key).second) {
      report.warnings.push_back(fmt::format("{}:{}:{}: {} ({}) is not run by the local platform; ignored", o.pos.file,
                                            o.pos.line, o.pos.column, key, o.apiVersion));
    }
  }
}

}  // namespace aviary::platform::local
