// Semantic checks of a Workload (docs/resources.md, "Workload") and of a Canary's reference to
// one. Errors are specs that can never start; warnings are specs Kubernetes would accept but that
// are almost surely mistakes (an undefined $(VAR) stays as written, a later env entry hides an
// earlier one).
#include <unistd.h>

#include <filesystem>
#include <set>

#include "api/validate.h"
#include "api/validate_util.h"

namespace aviary::api {
namespace {

namespace fs = std::filesystem;

// True when `name` is an executable file in one of $PATH's directories.
bool inPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    if (!dir.empty() && ::access((fs::path(dir) / name).c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) return false;
    rest.remove_prefix(colon + 1);
  }
}

void checkCommand(const Workload& w, detail::Findings& f) {
  const std::string& cmd = w.spec.command;
  if (cmd.empty() || cmd == kSelfCommand) return;  // empty: already a structural error
  if (cmd.find('/') == std::string::npos) {
    if (!inPath(cmd))
      f.warn("spec.command", "expected an executable in PATH, found none named \"" + cmd + "\" (starting a replica will fail)");
    return;
  }
  fs::path p = (fs::path(cmd).is_absolute() ? fs::path(cmd) : fs::path(manifestDir(w)) / cmd).lexically_normal();
  if (::access(p.c_str(), X_OK) != 0)
    f.warn("spec.command", "expected an executable file, found none at " + p.string() + " (starting a replica will fail)");
}

// Flags $(VAR) references that nothing defines at that point: Kubernetes keeps them as written.
void checkReferences(std::string_view text, const std::set<std::string>& defined, const std::string& path,
                     detail::Findings& f) {
  for (const auto& name : referencedVars(text))
    if (!defined.count(name))
      f.warn(path, "$(" + name + ") is not defined (expected PORT, VERSION or an earlier env entry), found no such "
                                 "variable; it stays as written");
}

}  // namespace

std::vector<Finding> validateWorkload(const Workload& w, const ValidateOptions& options) {
  detail::Findings f(w.pos, w.positions, options);
  const WorkloadSpec& s = w.spec;
  checkCommand(w, f);

  std::set<std::string> defined = {"PORT", "VERSION"};
  std::set<std::string> seen;
  for (size_t i = 0; i < s.env.size(); ++i) {
    const EnvVar& e = s.env[i];
    const std::string path = "spec.env[" + std::to_string(i) + "]";
    if (e.name.empty()) continue;  // already a structural error (required)
    if (e.name.find('=') != std::string::npos || e.name.find('\0') != std::string::npos)
      f.error(path + ".name", "expected a variable name without '=', found \"" + e.name + "\"");
    if (e.name == "PORT" || e.name == "VERSION")
      f.warn(path + ".name", "$" + e.name + " is set by the platform for every replica, found it in env; the platform's value wins");
    if (!seen.insert(e.name).second)
      f.warn(path + ".name", "expected each name once, found \"" + e.name + "\" again; the later value wins");
    checkReferences(e.value, defined, path + ".value", f);
    defined.insert(e.name);
  }
  for (size_t i = 0; i < s.args.size(); ++i)
    checkReferences(s.args[i], defined, "spec.args[" + std::to_string(i) + "]", f);
  if (s.readinessProbe) {
    const Probe& p = *s.readinessProbe;
    if (p.path.empty() || p.path[0] != '/')
      f.error("spec.readinessProbe.httpGet.path", "expected an absolute path starting with '/', found \"" + p.path + "\"");
    if (p.timeoutSeconds > p.periodSeconds)
      f.warn("spec.readinessProbe.timeoutSeconds",
             "expected at most periodSeconds (" + std::to_string(p.periodSeconds) + "), found " +
                 std::to_string(p.timeoutSeconds) + ": probes would overlap");
  }
  // The platform names services NAME-primary and NAME-canary, which must stay DNS-1123 labels.
  if (w.metadata.name.size() > 55)
    f.error("metadata.name", "expected at most 55 characters (NAME-primary must fit a 63-character label), found " +
                                 std::to_string(w.metadata.name.size()));
  return f.take();
}

std::vector<Finding> validateTargetRef(const Canary& c, const std::vector<Workload>& workloads,
                                       const ValidateOptions& options) {
  detail::Findings f(c.pos, c.positions, options);
  const auto& ref = c.spec.targetRef;
  if (ref.kind != kWorkloadKind || workloads.empty()) return f.take();
  for (const auto& w : workloads)
    if (w.metadata.name == ref.name && w.metadata.namespace_ == c.metadata.namespace_) return f.take();
  f.error("spec.targetRef.name", "expected the name of a Workload in namespace \"" + c.metadata.namespace_ +
                                     "\" among the given files, found \"" + ref.name + "\"",
          ErrorCode::NotFound);
  return f.take();
}

}  // namespace aviary::api
