#pragma once
// PromQL tokens (internal to the parser; exposed for its unit test and the fuzzer).
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace aviary::promql {

enum class Tok {
  End,
  Identifier,  // metric names, label names, keywords, function names ([a-zA-Z_:][a-zA-Z0-9_:]*)
  Number,      // decimal, hex, exponent, Inf, NaN (text is the literal)
  Duration,    // 5m, 1h30m, 100ms (text is the literal)
  String,      // text is the decoded value
  LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, Colon, At,
  Assign,      // =
  Op,          // + - * / % ^ == != > < >= <= =~ !~ (text is the operator)
};

struct Token {
  Tok kind = Tok::End;
  std::string text;
  size_t pos = 0;  // byte offset
};

// Splits a query into tokens (comments dropped). Error (Invalid) with the offset in `path`-less
// form "at char N: ..." on an unterminated string, a bad escape or a character PromQL does not use.
Result<std::vector<Token>> lex(std::string_view query);

}  // namespace aviary::promql
