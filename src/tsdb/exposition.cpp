#include "tsdb/exposition.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>

namespace aviary::tsdb {
namespace {

bool isNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool isNameChar(char c) { return isNameStart(c) || std::isdigit(static_cast<unsigned char>(c)); }
bool isLabelStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool isLabelChar(char c) { return isLabelStart(c) || std::isdigit(static_cast<unsigned char>(c)); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

class LineParser {
 public:
  LineParser(std::string_view line, size_t lineNo) : s_(line), lineNo_(lineNo) {}

  Result<ParsedSample> run() {
    ParsedSample out;
    size_t start = i_;
    if (i_ >= s_.size() || !isNameStart(s_[i_])) return fail("metric name");
    while (i_ < s_.size() && isNameChar(s_[i_])) ++i_;
    out.labels.push_back({std::string(promql::kMetricName), std::string(s_.substr(start, i_ - start))});
    bool blank = skipBlanks();
    if (i_ < s_.size() && s_[i_] == '{') {
      ++i_;
      while (true) {
        skipBlanks();
        if (i_ < s_.size() && s_[i_] == '}') {
          ++i_;
          break;
        }
        size_t ls = i_;
        if (i_ >= s_.size() || !isLabelStart(s_[i_])) return fail("label name or '}'");
        while (i_ < s_.size() && isLabelChar(s_[i_])) ++i_;
        std::string name(s_.substr(ls, i_ - ls));
        skipBlanks();
        if (i_ >= s_.size() || s_[i_] != '=') return fail("'=' after label name");
        ++i_;
        skipBlanks();
        if (i_ >= s_.size() || s_[i_] != '"') return fail("'\"' starting a label value");
        ++i_;
        std::string value;
        bool closed = false;
        while (i_ < s_.size()) {
          char c = s_[i_++];
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\') {
            if (i_ >= s_.size()) break;
            char e = s_[i_++];
            if (e == 'n') value += '\n';
            else if (e == '\\' || e == '"') value += e;
            else return fail("escape \\\\, \\\" or \\n in label value");
          } else {
            value += c;
          }
        }
        if (!closed) return fail("'\"' ending the label value");
        for (const auto& l : out.labels) {
          if (l.name == name) return fail("labels with distinct names");
        }
        out.labels.push_back({std::move(name), std::move(value)});
        skipBlanks();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
        } else if (i_ >= s_.size() || s_[i_] != '}') {
          return fail("',' or '}' in label list");
        }
      }
      blank = skipBlanks();
    }
    if (!blank) return fail("a blank before the value");
    std::string_view valueText = word();
    if (!parseGoFloat(valueText, out.value)) return fail("a float value");
    if (skipBlanks() && i_ < s_.size()) {
      std::string_view ts = word();
      int64_t t = 0;
      auto res = std::from_chars(ts.data(), ts.data() + ts.size(), t);
      if (res.ec != std::errc() || res.ptr != ts.data() + ts.size()) return fail("an integer timestamp (ms)");
      out.timestamp = t;
      skipBlanks();
    }
    if (i_ != s_.size()) return fail("end of line");
    out.labels = promql::normalizeLabels(std::move(out.labels));
    return out;
  }

 private:
  bool skipBlanks() {
    size_t start = i_;
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    return i_ > start;
  }
  std::string_view word() {
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ' ' && s_[i_] != '\t') ++i_;
    return s_.substr(start, i_ - start);
  }
  Error fail(const char* expected) const {
    std::string found = i_ >= s_.size() ? "end of line" : fmt::format("\"{}\"", s_.substr(i_, 20));
    return makeError(ErrorCode::Invalid, fmt::format("line {}: expected {}, found {}", lineNo_, expected, found));
  }

  std::string_view s_;
  size_t lineNo_;
  size_t i_ = 0;
};

}  // namespace

bool parseGoFloat(std::string_view text, double& out) {
  std::string_view t = text;
  bool negative = false;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    negative = t[0] == '-';
    t.remove_prefix(1);
  }
  if (iequals(t, "inf") || iequals(t, "infinity")) {
    out = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (iequals(t, "nan")) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (t.empty() || !(std::isdigit(static_cast<unsigned char>(t[0])) || t[0] == '.')) return false;
  double v = 0;
  auto res = std::from_chars(t.data(), t.data() + t.size(), v);
  if (res.ptr != t.data() + t.size()) return false;
  if (res.ec == std::errc::result_out_of_range) {
    // Go returns ±Inf (or 0 for underflow) with an error Prometheus treats as a bad value.
    return false;
  }
  if (res.ec != std::errc()) return false;
  out = negative ? -v : v;
  return true;
}

Result<std::vector<ParsedSample>> parseExposition(std::string_view body) {
  std::vector<ParsedSample> out;
  size_t lineNo = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    std::string_view line = body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? body.size() : nl + 1;
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    line.remove_prefix(first);
    if (line[0] == '#') continue;  // HELP, TYPE and comments carry nothing the store keeps
    auto sample = LineParser(line, lineNo).run();
    if (!sample.ok()) return sample.error();
    out.push_back(std::move(*sample));
  }
  return out;
}

}  // namespace aviary::tsdb
