// The supervisor's state file: what a later Supervisor needs to adopt running replicas and to
// restart the missing ones. Times are not kept: back-off and probe schedules start afresh.
#include "platform/local/supervisor_state.h"

namespace aviary::platform::local::detail {
namespace {

using Json = nlohmann::json;
constexpr int kStateVersion = 1;

Json encodeProbe(const ProbeSpec& p) {
  return Json{{"path", p.path},
              {"initialDelayMs", p.initialDelay.count()},
              {"periodMs", p.period.count()},
              {"timeoutMs", p.timeout.count()},
              {"failureThreshold", p.failureThreshold},
              {"successThreshold", p.successThreshold}};
}

}  // namespace

Json encodeSpec(const ProcessSpec& s) {
  Json env = Json::array();
  for (const auto& e : s.env) env.push_back(Json{{"name", e.name}, {"value", e.value}});
  Json j{{"executable", s.executable}, {"args", s.args},         {"env", env},
         {"workingDir", s.workingDir}, {"version", s.version},   {"graceMs", s.grace.count()},
         {"revision", s.revision}};
  if (s.readiness) j["readiness"] = encodeProbe(*s.readiness);
  return j;
}

Result<ProcessSpec> decodeSpec(const Json& j) {
  try {
    ProcessSpec s;
    s.executable = j.at("executable").get<std::string>();
    s.args = j.at("args").get<std::vector<std::string>>();
    for (const auto& e : j.at("env")) s.env.push_back(EnvEntry{e.at("name").get<std::string>(), e.at("value").get<std::string>()});
    s.workingDir = j.at("workingDir").get<std::string>();
    s.version = j.at("version").get<std::string>();
    s.grace = Duration(j.at("graceMs").get<int64_t>());
    s.revision = j.at("revision").get<std::string>();
    if (j.contains("readiness")) {
      const Json& p = j.at("readiness");
      ProbeSpec probe;
      probe.path = p.at("path").get<std::string>();
      probe.initialDelay = Duration(p.at("initialDelayMs").get<int64_t>());
      probe.period = Duration(p.at("periodMs").get<int64_t>());
      probe.timeout = Duration(p.at("timeoutMs").get<int64_t>());
      probe.failureThreshold = p.at("failureThreshold").get<int>();
      probe.successThreshold = p.at("successThreshold").get<int>();
      s.readiness = probe;
    }
    return s;
  } catch (const Json::exception& e) {
    return makeError(ErrorCode::Invalid, std::string("malformed process spec: ") + e.what());
  }
}

Json encodeState(const std::map<std::string, Set>& sets) {
  Json out{{"version", kStateVersion}, {"sets", Json::object()}};
  for (const auto& [name, set] : sets) {
    Json specs = Json::object();
    if (set.spec) specs[set.spec->revision] = encodeSpec(*set.spec);
    Json replicas = Json::array();
    for (const auto& r : set.replicas) {
      if (r.spec && !specs.contains(r.revision)) specs[r.revision] = encodeSpec(*r.spec);
      replicas.push_back(Json{{"id", r.id},
                              {"revision", r.revision},
                              {"pid", r.pid},
                              {"startTime", r.startTime},
                              {"port", r.port},
                              {"ready", r.ready},
                              {"terminating", r.terminating},
                              {"restarts", r.restarts},
                              {"logPath", r.logPath}});
    }
    out["sets"][name] = Json{{"revision", set.spec ? set.spec->revision : ""},
                             {"desired", set.desired},
                             {"removing", set.removing},
                             {"restarts", set.restarts},
                             {"nextId", set.nextId},
                             {"lastError", set.lastError},
                             {"observedRevision", set.observedRevision},
                             {"specs", std::move(specs)},
                             {"replicas", std::move(replicas)}};
  }
  return out;
}

Result<std::map<std::string, Set>> decodeState(const Json& j) {
  try {
    if (j.at("version").get<int>() != kStateVersion)
      return makeError(ErrorCode::Invalid, "expected state version " + std::to_string(kStateVersion) + ", found " +
                                               j.at("version").dump());
    std::map<std::string, Set> sets;
    for (const auto& [name, js] : j.at("sets").items()) {
      Set set;
      std::map<std::string, std::shared_ptr<const ProcessSpec>> specs;
      for (const auto& [rev, spec] : js.at("specs").items()) {
        auto decoded = decodeSpec(spec);
        if (!decoded.ok()) return makeError(ErrorCode::Invalid, "set \"" + name + "\": " + decoded.error().message);
        specs[rev] = std::make_shared<const ProcessSpec>(std::move(decoded.value()));
      }
      const std::string revision = js.at("revision").get<std::string>();
      if (auto it = specs.find(revision); it != specs.end()) set.spec = it->second;
      set.desired = js.at("desired").get<int>();
      set.removing = js.at("removing").get<bool>();
      set.restarts = js.at("restarts").get<int>();
      set.nextId = js.at("nextId").get<int>();
      set.lastError = js.at("lastError").get<std::string>();
      set.observedRevision = js.at("observedRevision").get<std::string>();
      for (const auto& jr : js.at("replicas")) {
        Replica r;
        r.id = jr.at("id").get<std::string>();
        r.revision = jr.at("revision").get<std::string>();
        if (auto it = specs.find(r.revision); it != specs.end()) r.spec = it->second;
        r.pid = jr.at("pid").get<pid_t>();
        r.startTime = jr.at("startTime").get<uint64_t>();
        r.port = jr.at("port").get<uint16_t>();
        r.ready = jr.at("ready").get<bool>();
        r.terminating = jr.at("terminating").get<bool>();
        r.restarts = jr.at("restarts").get<int>();
        r.logPath = jr.at("logPath").get<std::string>();
        set.replicas.push_back(std::move(r));
      }
      if (!set.spec && !set.removing && set.desired > 0)
        return makeError(ErrorCode::Invalid, "set \"" + name + "\": no spec for revision \"" + revision + "\"");
      sets.emplace(name, std::move(set));
    }
    return sets;
  } catch (const Json::exception& e) {
    return makeError(ErrorCode::Invalid, std::string("malformed state: ") + e.what());
  }
}

}  // namespace aviary::platform::local::detail
