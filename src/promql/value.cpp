#include "promql/value.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <map>

namespace aviary::promql {

std::string_view labelValue(const Labels& labels, std::string_view name) {
  for (const auto& l : labels) {
    if (l.name == name) return l.value;
  }
  return {};
}

Labels normalizeLabels(Labels labels) {
  // stable_sort keeps input order among equal names so that "last wins" below is well defined.
  std::stable_sort(labels.begin(), labels.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
  Labels out;
  out.reserve(labels.size());
  for (auto& l : labels) {
    if (!out.empty() && out.back().name == l.name) {
      out.back().value = std::move(l.value);
    } else {
      out.push_back(std::move(l));
    }
  }
  std::erase_if(out, [](const Label& l) { return l.value.empty(); });
  return out;
}

Labels dropMetricName(Labels labels) {
  std::erase_if(labels, [](const Label& l) { return l.name == kMetricName; });
  return labels;
}

namespace {
// Go's strconv.Quote for the printable-ASCII-and-UTF-8 text label values hold.
void appendQuoted(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static const char* kHex = "0123456789abcdef";
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}
}  // namespace

std::string formatLabels(const Labels& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ", ";
    out += labels[i].name;
    out += '=';
    appendQuoted(out, labels[i].value);
  }
  out += '}';
  return out;
}

const char* toString(ValueType type) {
  switch (type) {
    case ValueType::Scalar: return "scalar";
    case ValueType::Vector: return "vector";
    case ValueType::Matrix: return "matrix";
    case ValueType::String: return "string";
  }
  return "?";
}

// Prometheus's value.StaleNaN bit pattern.
constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;

double staleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
bool isStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

std::string formatFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // to_chars with `fixed` and no precision gives the shortest round-trip digits in fixed notation,
  // which is what Go's 'f', -1 produces.
  char buf[400];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

std::string formatTimestamp(Millis t) {
  std::string out;
  if (t < 0) {
    out += '-';
    t = -t;
  }
  out += std::to_string(t / 1000);
  Millis frac = t % 1000;
  if (frac != 0) {
    out += '.';
    if (frac < 100) out += '0';
    if (frac < 10) out += '0';
    out += std::to_string(frac);
  }
  return out;
}

}  // namespace aviary::promql
