#pragma once
// Label selectors (`app=web,tier!=db,env in (a,b),env notin (c),has,!missing`) and field selectors
// (`metadata.name=x,involvedObject.kind!=Pod`) as the API server's list and watch take them.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace aviary::sandbox {

class Selector {
 public:
  // Parses a label selector (labels = true) or a field selector. "" selects everything. Error
  // (Invalid) names the part that does not parse.
  static Result<Selector> parse(const std::string& text, bool labels);

  // Labels: matched against object.metadata.labels. Fields: dotted paths into the object.
  bool matches(const nlohmann::json& object) const;
  bool empty() const { return terms_.empty(); }

 private:
  enum class Op { Equals, NotEquals, In, NotIn, Exists, NotExists };
  struct Term {
    std::string key;
    Op op = Op::Equals;
    std::vector<std::string> values;
  };
  bool labels_ = true;
  std::vector<Term> terms_;
};

}  // namespace aviary::sandbox
