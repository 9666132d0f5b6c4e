#include "common/duration.h"

#include <cmath>
#include <cstdint>

namespace aviary {
namespace {

// Returns nanoseconds per unit, or 0 for an unknown unit.
int64_t unitNanos(std::string_view u) {
  if (u == "ns") return 1;
  if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") return 1000;
  if (u == "ms") return 1000000;
  if (u == "s") return 1000000000LL;
  if (u == "m") return 60LL * 1000000000LL;
  if (u == "h") return 3600LL * 1000000000LL;
  return 0;
}

Error bad(std::string_view text, const std::string& why) {
  return makeError(ErrorCode::Invalid, "invalid duration \"" + std::string(text) + "\": " + why);
}

}  // namespace

Result<Duration> parseDuration(std::string_view text) {
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration{0};
  if (s.empty()) return bad(text, "expected a number with a unit such as 30s, 1m or 1m30s");
  long double total_ns = 0;
  while (!s.empty()) {
    size_t i = 0;
    long double value = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      value = value * 10 + (s[i] - '0');
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        value += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return bad(text, "expected a number");
    size_t u = i;
    while (u < s.size() && !(s[u] >= '0' && s[u] <= '9') && s[u] != '.') ++u;
    std::string_view unit = s.substr(i, u - i);
    if (unit.empty()) return bad(text, "missing unit (use ms, s, m or h)");
    int64_t per = unitNanos(unit);
    if (per == 0) return bad(text, "unknown unit \"" + std::string(unit) + "\"");
    total_ns += value * per;
    if (total_ns > 9.2e18L) return bad(text, "out of range");
    s.remove_prefix(u);
  }
  auto ms = static_cast<int64_t>(total_ns / 1000000.0L);
  return Duration{neg ? -ms : ms};
}

std::string formatDuration(Duration d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string sign = ms < 0 ? "-" : "";
  uint64_t u = ms < 0 ? static_cast<uint64_t>(-ms) : static_cast<uint64_t>(ms);
  if (u < 1000) return sign + std::to_string(u) + "ms";
  uint64_t h = u / 3600000, rem = u % 3600000;
  uint64_t m = rem / 60000;
  uint64_t sec_ms = rem % 60000;
  std::string secs = std::to_string(sec_ms / 1000);
  if (uint64_t frac = sec_ms % 1000; frac != 0) {
    std::string f = std::to_string(frac);
    f = std::string(3 - f.size(), '0') + f;
    while (!f.empty() && f.back() == '0') f.pop_back();
    secs += "." + f;
  }
  std::string out = sign;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  out += secs + "s";
  return out;
}

}  // namespace aviary
