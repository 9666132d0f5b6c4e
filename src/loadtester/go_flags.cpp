#include "loadtester/go_flags.h"

#include <charconv>
#include <cmath>

namespace aviary::loadtester {
namespace {

Error badValue(const std::string& name, const std::string& value, const std::string& why) {
  return makeError(ErrorCode::Invalid, "invalid value \"" + value + "\" for flag -" + name + ": " + why, "-" + name);
}

}  // namespace

void GoFlags::addString(const std::string& name, std::string* target, std::string help) {
  add(name, {false, std::move(help), [target](const std::string& v) {
               *target = v;
               return okStatus();
             }});
}

void GoFlags::addStringList(const std::string& name, std::vector<std::string>* target, std::string help) {
  add(name, {false, std::move(help), [target](const std::string& v) {
               target->push_back(v);
               return okStatus();
             }});
}

void GoFlags::addInt(const std::string& name, int* target, std::string help) {
  add(name, {false, std::move(help), [name, target](const std::string& v) -> Status {
               int out = 0;
               auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
               if (ec != std::errc() || p != v.data() + v.size()) return badValue(name, v, "expected an integer");
               *target = out;
               return okStatus();
             }});
}

void GoFlags::addDouble(const std::string& name, double* target, std::string help) {
  add(name, {false, std::move(help), [name, target](const std::string& v) -> Status {
               char* end = nullptr;
               double out = std::strtod(v.c_str(), &end);
               if (v.empty() || *end != '\0' || !std::isfinite(out)) return badValue(name, v, "expected a number");
               *target = out;
               return okStatus();
             }});
}

void GoFlags::addBool(const std::string& name, bool* target, std::string help) {
  add(name, {true, std::move(help), [name, target](const std::string& v) -> Status {
               // Go's strconv.ParseBool spellings.
               if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") {
                 *target = true;
               } else if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
                 *target = false;
               } else {
                 return badValue(name, v, "expected true or false");
               }
               return okStatus();
             }});
}

void GoFlags::addDuration(const std::string& name, Duration* target, std::string help) {
  add(name, {false, std::move(help), [name, target](const std::string& v) -> Status {
               auto d = parseDuration(v);
               if (!d) return badValue(name, v, d.error().message);
               *target = *d;
               return okStatus();
             }});
}

Result<GoFlags::Parsed> GoFlags::parse(const std::vector<std::string>& args) const {
  Parsed out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      out.positional.insert(out.positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    std::string body = a.substr(a[1] == '-' ? 2 : 1);
    std::string name = body, value;
    bool hasValue = false;
    if (auto eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      hasValue = true;
    }
    if (name == "h" || name == "help") {
      out.help = true;
      continue;
    }
    auto it = flags_.find(name);
    if (it == flags_.end()) {
      return makeError(ErrorCode::Invalid, "flag provided but not defined: -" + name, "-" + name);
    }
    const Flag& f = it->second;
    if (!hasValue) {
      if (f.isBool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return makeError(ErrorCode::Invalid, "flag needs an argument: -" + name, "-" + name);
      }
    }
    if (auto st = f.set(value); !st) return st.error();
  }
  return out;
}

std::string GoFlags::usage() const {
  std::string s = header_ + "\n\nOptions:\n";
  for (const auto& [name, f] : flags_) {
    std::string left = "  -" + name;
    if (left.size() < 24) left.resize(24, ' ');
    else left += "  ";
    s += left + f.help + "\n";
  }
  return s;
}

}  // namespace aviary::loadtester
