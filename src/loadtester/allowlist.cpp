#include "loadtester/allowlist.h"

#include <cstring>

#include "loadtester/command_line.h"

namespace aviary::loadtester {
namespace {

std::vector<std::string> splitPattern(const std::string& pattern) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < pattern.size()) {
    size_t b = pattern.find_first_not_of(" \t\r\n", i);
    if (b == std::string::npos) break;
    size_t e = pattern.find_first_of(" \t\r\n", b);
    if (e == std::string::npos) e = pattern.size();
    words.push_back(pattern.substr(b, e - b));
    i = e;
  }
  return words;
}

bool isOperatorChar(char c) { return c != 0 && std::strchr("|&;<>()", c) != nullptr; }
// Unquoted characters that make bash expand a word (parameters, commands, globs, braces, tilde)
// or start a comment.
bool isExpansionChar(char c) { return c != 0 && std::strchr("$`*?[]{}~#", c) != nullptr; }

std::string unescaped(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

}  // namespace

Result<std::vector<ShellToken>> lexShell(const std::string& cmd) {
  std::vector<ShellToken> out;
  ShellToken cur;
  bool inWord = false;
  auto endWord = [&] {
    if (inWord) out.push_back(std::move(cur));
    cur = ShellToken{};
    inWord = false;
  };
  for (size_t i = 0; i < cmd.size(); ++i) {
    const char c = cmd[i];
    if (c == ' ' || c == '\t') {  // bash's default IFS blanks; '\r' is an ordinary character to it
      endWord();
    } else if (c == '\n' || isOperatorChar(c)) {
      endWord();
      ShellToken op{ShellToken::Kind::Operator, std::string(1, c), std::string(1, c), false};
      while (c != '\n' && i + 1 < cmd.size() && isOperatorChar(cmd[i + 1])) op.text += cmd[++i];
      op.raw = op.text;
      out.push_back(std::move(op));
    } else if (c == '\'') {
      size_t end = cmd.find('\'', i + 1);
      if (end == std::string::npos) return makeError(ErrorCode::Invalid, "unterminated single quote in cmd", "metadata.cmd");
      cur.text.append(cmd, i + 1, end - i - 1);
      cur.raw.append(cmd, i, end - i + 1);
      inWord = true;
      i = end;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < cmd.size() && cmd[j] != '"'; ++j) {
        if (cmd[j] == '\\' && j + 1 < cmd.size() && std::strchr("\"\\$`\n", cmd[j + 1])) {
          ++j;
        } else if (cmd[j] == '$' || cmd[j] == '`') {
          cur.expands = true;
        }
        cur.text += cmd[j];
      }
      if (j >= cmd.size()) return makeError(ErrorCode::Invalid, "unterminated double quote in cmd", "metadata.cmd");
      cur.raw.append(cmd, i, j - i + 1);
      inWord = true;
      i = j;
    } else if (c == '\\') {
      cur.raw += c;
      if (i + 1 < cmd.size()) {
        cur.raw += cmd[i + 1];
        cur.text += cmd[++i];
      }
      inWord = true;
    } else {
      cur.expands = cur.expands || isExpansionChar(c);
      cur.text += c;
      cur.raw += c;
      inWord = true;
    }
  }
  endWord();
  return out;
}

Result<Allowlist> Allowlist::compile(const std::vector<std::string>& patterns) {
  Allowlist a;
  std::string problems;
  for (const auto& pattern : patterns) {
    std::vector<Word> words;
    for (const auto& w : splitPattern(pattern)) {
      auto re = std::make_shared<RE2>(w, RE2::Quiet);
      if (!re->ok()) problems += "\n  --allow-cmd \"" + pattern + "\": word \"" + w + "\": " + re->error();
      words.push_back(Word{w, std::move(re)});
    }
    if (words.empty()) problems += "\n  --allow-cmd \"" + pattern + "\": empty pattern";
    a.patterns_.push_back(std::move(words));
  }
  if (!problems.empty()) return makeError(ErrorCode::Invalid, "invalid --allow-cmd pattern(s):" + problems);
  return a;
}

bool Allowlist::allows(const std::string& cmd, CommandSyntax syntax) const {
  std::vector<ShellToken> tokens;
  if (syntax == CommandSyntax::Shell) {
    auto lexed = lexShell(cmd);
    if (!lexed) return false;
    tokens = std::move(*lexed);
  } else {
    std::vector<std::string> words;
    if (syntax == CommandSyntax::Fields) {
      words = splitFields(cmd);
    } else {
      auto argv = splitCommandLine(cmd);
      if (!argv) return false;
      words = std::move(*argv);
    }
    for (auto& w : words) tokens.push_back(ShellToken{ShellToken::Kind::Word, w, w, false});
  }
  for (const auto& pattern : patterns_) {
    if (pattern.size() != tokens.size()) continue;
    bool all = true;
    for (size_t i = 0; i < tokens.size() && all; ++i) {
      const ShellToken& t = tokens[i];
      if (t.kind == ShellToken::Kind::Operator) {
        all = unescaped(pattern[i].text) == t.text;
      } else if (t.expands) {
        all = pattern[i].text == t.raw;
      } else {
        all = RE2::FullMatch(t.text, *pattern[i].re);
      }
    }
    if (all) return true;
  }
  return false;
}

}  // namespace aviary::loadtester
