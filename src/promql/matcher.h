#pragma once
// Label matchers (=, !=, =~, !~). Regular expressions are RE2, anchored at both ends as Prometheus
// anchors them ("^(?:re)$"). A series without the label matches as if its value were "".
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "promql/value.h"

namespace re2 {
class RE2;
}

namespace aviary::promql {

enum class MatchType { Equal, NotEqual, Regex, NotRegex };
const char* toString(MatchType type);  // "=", "!=", "=~", "!~"

class Matcher {
 public:
  // Error (Invalid) naming the pattern and RE2's reason when a regex does not compile.
  static Result<Matcher> create(MatchType type, std::string name, std::string value);

  bool matches(std::string_view value) const;
  bool matches(const Labels& labels) const { return matches(labelValue(labels, name_)); }
  // True when this matcher matches "" (it then also matches series that lack the label).
  bool matchesEmpty() const { return matches(std::string_view{}); }

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

 private:
  Matcher(MatchType type, std::string name, std::string value)
      : type_(type), name_(std::move(name)), value_(std::move(value)) {}
  MatchType type_;
  std::string name_, value_;
  std::shared_ptr<const re2::RE2> re_;  // shared: matchers are copied into every selection
};

using Matchers = std::vector<Matcher>;

bool matchesAll(const Matchers& matchers, const Labels& labels);

}  // namespace aviary::promql
