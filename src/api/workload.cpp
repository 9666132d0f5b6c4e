// Pure helpers of the Workload kind: revision fingerprint and Kubernetes' $(VAR) expansion.
#include "api/workload.h"

#include <filesystem>

namespace aviary::api {
namespace {

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Walks `text` the way Kubernetes' expansion does and calls `onVar(name)` for each complete
// $(NAME) reference (its result is written in its place) and `onText` for everything else.
template <typename OnText, typename OnVar>
void scan(std::string_view text, OnText onText, OnVar onVar) {
  size_t i = 0;
  while (i < text.size()) {
    size_t dollar = text.find('$', i);
    if (dollar == std::string_view::npos || dollar + 1 >= text.size()) {
      onText(text.substr(i));
      return;
    }
    onText(text.substr(i, dollar - i));
    char next = text[dollar + 1];
    if (next == '$') {  // "$$": an escaped '$'
      onText("$");
      i = dollar + 2;
    } else if (next == '(') {
      size_t close = text.find(')', dollar + 2);
      if (close == std::string_view::npos) {  // an unterminated "$(" stays as written
        onText("$(");
        i = dollar + 2;
      } else {
        onVar(text.substr(dollar + 2, close - dollar - 2));
        i = close + 1;
      }
    } else {  // a '$' that starts nothing: kept with the character after it
      onText(text.substr(dollar, 2));
      i = dollar + 2;
    }
  }
}

}  // namespace

std::string expandVars(std::string_view text,
                       const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  std::string out;
  out.reserve(text.size());
  scan(
      text, [&](std::string_view s) { out.append(s); },
      [&](std::string_view name) {
        if (auto v = lookup(name)) {
          out += *v;
        } else {
          out.append("$(").append(name).append(")");
        }
      });
  return out;
}

std::vector<std::string> referencedVars(std::string_view text) {
  std::vector<std::string> out;
  scan(text, [](std::string_view) {}, [&](std::string_view name) { out.emplace_back(name); });
  return out;
}

std::string workloadRevision(const Workload& w) {
  const WorkloadSpec& s = w.spec;
  Json env = Json::array();
  for (const auto& e : s.env) env.push_back(Json::array({e.name, e.value}));
  Json probe = nullptr;
  if (s.readinessProbe) {
    const Probe& p = *s.readinessProbe;
    probe = Json::array({p.path, p.initialDelaySeconds, p.periodSeconds, p.timeoutSeconds, p.failureThreshold,
                         p.successThreshold});
  }
  // An array, not an object: the order is fixed here and a field added later appends.
  Json canonical = Json::array({"v1", s.version, s.command, s.args, env, s.workingDir, s.port, probe});
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(fnv1a64(canonical.dump(-1, ' ', false, Json::error_handler_t::replace))));
  return hex;
}

std::string manifestDir(const Workload& w) {
  if (w.pos.file.empty() || w.pos.file == "-") return ".";
  std::filesystem::path dir = std::filesystem::path(w.pos.file).parent_path();
  return dir.empty() ? "." : dir.string();
}

}  // namespace aviary::api
