#include "promql/matcher.h"

#include <re2/re2.h>

namespace aviary::promql {

const char* toString(MatchType type) {
  switch (type) {
    case MatchType::Equal: return "=";
    case MatchType::NotEqual: return "!=";
    case MatchType::Regex: return "=~";
    case MatchType::NotRegex: return "!~";
  }
  return "?";
}

Result<Matcher> Matcher::create(MatchType type, std::string name, std::string value) {
  Matcher m(type, std::move(name), std::move(value));
  if (type == MatchType::Regex || type == MatchType::NotRegex) {
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_shared<const RE2>("^(?:" + m.value_ + ")$", options);
    if (!re->ok()) {
      return makeError(ErrorCode::Invalid, "invalid regular expression \"" + m.value_ + "\": " + re->error());
    }
    m.re_ = std::move(re);
  }
  return m;
}

bool Matcher::matches(std::string_view value) const {
  switch (type_) {
    case MatchType::Equal: return value == value_;
    case MatchType::NotEqual: return value != value_;
    case MatchType::Regex: return RE2::FullMatch(value, *re_);
    case MatchType::NotRegex: return !RE2::FullMatch(value, *re_);
  }
  return false;
}

bool matchesAll(const Matchers& matchers, const Labels& labels) {
  for (const auto& m : matchers) {
    if (!m.matches(labels)) return false;
  }
  return true;
}

}  // namespace aviary::promql
