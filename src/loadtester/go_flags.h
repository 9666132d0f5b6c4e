#pragma once
// Command-line parsing with Go's `flag` package conventions, so that `aviary hey` and
// `aviary loadtester` accept the same command lines as hey and flagger-loadtester:
//   -name value   -name=value   --name value   --name=value
// Boolean flags take no separate value ("-disable-keepalive", or "-flag=true|false").
// Unlike Go, flags may follow positional arguments; "--" ends flag parsing.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/duration.h"
#include "common/result.h"

namespace aviary::loadtester {

class GoFlags {
 public:
  explicit GoFlags(std::string usageHeader) : header_(std::move(usageHeader)) {}

  void addString(const std::string& name, std::string* target, std::string help);
  // Repeatable: every occurrence appends.
  void addStringList(const std::string& name, std::vector<std::string>* target, std::string help);
  void addInt(const std::string& name, int* target, std::string help);
  void addDouble(const std::string& name, double* target, std::string help);
  void addBool(const std::string& name, bool* target, std::string help);
  void addDuration(const std::string& name, Duration* target, std::string help);

  struct Parsed {
    std::vector<std::string> positional;
    bool help = false;  // -h / -help / --help was given
  };
  // Errors (code Invalid) name the flag and the bad value, e.g. `invalid value "x" for flag -n`.
  Result<Parsed> parse(const std::vector<std::string>& args) const;

  // One line per flag, sorted by name, with its help text.
  std::string usage() const;

 private:
  struct Flag {
    bool isBool = false;
    std::string help;
    std::function<Status(const std::string&)> set;
  };
  void add(const std::string& name, Flag flag) { flags_[name] = std::move(flag); }

  std::string header_;
  std::map<std::string, Flag> flags_;
};

}  // namespace aviary::loadtester
