#pragma once
// The load tester's command allowlist (--allow-cmd), matched word by word so that a pattern a
// user can read is a pattern that holds (issue 24: a regex over a whole shell line cannot be
// written safely by most users: `hey .*` let `-D /etc/hostname` through).
//
// A pattern is split on whitespace into words; each word is an RE2 that must fully match one
// word of the command, and the command must have exactly as many words. The command is split the
// way its task type runs it:
//  - Argv (type cmd, no shell): splitCommandLine's words (quotes removed; operators refused).
//  - Fields (helm, kubectl): whitespace-separated fields, as Flagger splits them.
//  - Shell (type bash; type cmd with --cmd-shell): shell words and operators. An operator
//    (| || & && ; < > >> ( ) ..., and newline) matches only a pattern word that is that operator
//    (a backslash before each character allowed: `\|`); a word that the shell would expand
//    ($, `, unquoted * ? [ ] { } ~ #) matches only a pattern word equal to it as written. So
//    `$(...)`, `;`, `|`, redirections and globs pass only where the pattern spells them out.
#include <memory>
#include <string>
#include <vector>

#include <re2/re2.h>

#include "common/result.h"

namespace aviary::loadtester {

enum class CommandSyntax { Argv, Fields, Shell };

// One token of a shell command line, as the allowlist sees it.
struct ShellToken {
  enum class Kind { Word, Operator };
  Kind kind = Kind::Word;
  std::string text;       // a word after quote removal; an operator's characters ("\n" for newline)
  std::string raw;        // as written
  bool expands = false;   // the shell would expand or glob something in it
};

// Splits a shell command line into words and operators (see the header comment). Error (Invalid)
// for an unterminated quote.
Result<std::vector<ShellToken>> lexShell(const std::string& cmd);

class Allowlist {
 public:
  // Compiles every pattern; all invalid ones are listed in one error (code Invalid).
  static Result<Allowlist> compile(const std::vector<std::string>& patterns);

  bool empty() const { return patterns_.empty(); }
  // True when some pattern matches `cmd` split as `syntax` says.
  bool allows(const std::string& cmd, CommandSyntax syntax) const;

 private:
  struct Word {
    std::string text;
    std::shared_ptr<RE2> re;
  };
  std::vector<std::vector<Word>> patterns_;
};

}  // namespace aviary::loadtester
