#pragma once
// Internal to the query templating (query_template.cpp): the parsed form of a Go text/template
// subset and its parser. Not part of the metrics interface.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace aviary::metrics::tmpl {

struct Pipeline;
// One operand of a command: a function call (with an optional `.KEY` chain), a literal, or a
// parenthesised pipeline.
struct Operand {
  enum class Kind { Func, String, Number, Paren } kind = Kind::String;
  std::string text;  // function name or string value
  double number = 0;
  std::vector<std::string> fields;  // `.KEY` chain after a function or parenthesis
  std::shared_ptr<Pipeline> sub;    // Paren
};
using Command = std::vector<Operand>;
struct Pipeline {
  std::vector<Command> commands;
};
struct Node {
  std::string text;  // literal text (when pipeline is null)
  std::shared_ptr<Pipeline> pipeline;
  int line = 1;
};

// The model functions (name, namespace, ..., variables).
bool isModelFunction(const std::string& id);
// Go's whitespace for trim markers and \s (space, \t, \n, \r, \f).
bool isSpace(char c);

// Parses the whole template (Go parses before executing). Errors (code Invalid):
// "template parsing failed: line N: ...".
Result<std::vector<Node>> parseTemplate(std::string_view src);

}  // namespace aviary::metrics::tmpl
