// The allowlist matched word by word (issue 24, problem 5): the issue's three payloads pass
// neither the documented patterns of before nor the safe examples of docs/loadtester.md.
#include "loadtester/allowlist.h"

#include <gtest/gtest.h>

namespace aviary::loadtester {
namespace {

Allowlist compile(const std::vector<std::string>& patterns) {
  auto a = Allowlist::compile(patterns);
  EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().message);
  return a.ok() ? std::move(*a) : Allowlist{};
}

// The payloads of the issue, each of which ran with the old whole-line regex.
const char* const kSubstitution = "curl -sd $(touch pwned) http://127.0.0.1:1/ | grep token";
const char* const kChained = "curl -sd x http://127.0.0.1:1/; touch pwned2; echo | grep token";
const char* const kExfil = "hey -n 1 -c 1 -m POST -D /etc/hostname http://127.0.0.1:9/exfil";

TEST(AllowlistTest, TheIssuesPayloadsFailTheOldDocumentedPatterns) {
  Allowlist a = compile({R"(curl -sd .* \| grep token)", "hey .*"});
  EXPECT_FALSE(a.allows(kSubstitution, CommandSyntax::Shell));
  EXPECT_FALSE(a.allows(kChained, CommandSyntax::Shell));
  EXPECT_FALSE(a.allows(kExfil, CommandSyntax::Argv));
  EXPECT_FALSE(a.allows(kExfil, CommandSyntax::Shell));  // --cmd-shell
}

TEST(AllowlistTest, TheDocsSafeExamplesAllowTheirCommandsOnly) {
  // docs/loadtester.md, "Writing --allow-cmd patterns".
  Allowlist a = compile({
      R"(curl -sd test http://podinfo-canary:9898/token \| grep token)",  // the seed's, exactly
      R"(hey -z [0-9]+[sm] -q [0-9]+ -c [0-9]+ http://podinfo-canary\.test:9898/)",
      R"(curl -sd \{"token":"[a-z0-9]+"\} http://podinfo-canary\.test:9898/token \| grep token)",
      R"(test podinfo -n test)",  // type helm: metadata.cmd without "helm"
  });
  EXPECT_TRUE(a.allows("curl -sd 'test' http://podinfo-canary:9898/token | grep token", CommandSyntax::Shell));
  EXPECT_TRUE(a.allows("hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/", CommandSyntax::Argv));
  EXPECT_TRUE(a.allows(R"(curl -sd '{"token":"abc"}' http://podinfo-canary.test:9898/token | grep token)",
                       CommandSyntax::Shell));
  EXPECT_TRUE(a.allows("test podinfo -n test", CommandSyntax::Fields));
  EXPECT_FALSE(a.allows("test podinfo -n test --debug", CommandSyntax::Fields));
  EXPECT_FALSE(a.allows(kSubstitution, CommandSyntax::Shell));
  EXPECT_FALSE(a.allows(kChained, CommandSyntax::Shell));
  EXPECT_FALSE(a.allows(kExfil, CommandSyntax::Argv));
  EXPECT_FALSE(a.allows("hey -z 1m -q 10 -c 2 -D /etc/hostname http://podinfo-canary.test:9898/", CommandSyntax::Argv));
  EXPECT_FALSE(a.allows("hey -z 1m -q 10 -c 2 http://evil.example/", CommandSyntax::Argv));
  // Shell syntax smuggled into the one free word of the curl pattern.
  for (const char* bad : {
           R"~(curl -sd {"token":"$(id)"} http://podinfo-canary.test:9898/token | grep token)~",
           R"(curl -sd "{\"token\":\"`id`\"}" http://podinfo-canary.test:9898/token | grep token)",
           R"(curl -sd '{"token":"abc"}' http://podinfo-canary.test:9898/token | grep token > /tmp/x)",
           R"(curl -sd '{"token":"abc"}' http://podinfo-canary.test:9898/token || grep token)",
           "curl -sd '{\"token\":\"abc\"}' http://podinfo-canary.test:9898/token | grep token\ntouch x",
           R"(curl -sd '{"token":"abc"}' http://podinfo-canary.test:9898/token | grep token & touch x)",
           R"(curl -sd * http://podinfo-canary.test:9898/token | grep token)",
       }) {
    EXPECT_FALSE(a.allows(bad, CommandSyntax::Shell)) << bad;
  }
}

TEST(AllowlistTest, ShellOperatorsAndExpansionsMustBeSpelledOutInThePattern) {
  Allowlist a = compile({R"(echo \$HOME > /tmp/out)", "echo [a-z]+ ; date", "sleep [0-9]+"});
  EXPECT_TRUE(a.allows("echo \\$HOME > /tmp/out", CommandSyntax::Shell));  // the literal word "\$HOME"
  EXPECT_FALSE(a.allows("echo $HOME > /tmp/out", CommandSyntax::Shell));  // an expansion; the pattern has "\$HOME"
  EXPECT_TRUE(a.allows("echo hi ; date", CommandSyntax::Shell));
  EXPECT_TRUE(a.allows("echo hi; date", CommandSyntax::Shell));  // operators split words as the shell does
  EXPECT_FALSE(a.allows("echo hi && date", CommandSyntax::Shell));
  EXPECT_FALSE(a.allows("echo 'hi' ; date ; id", CommandSyntax::Shell));
  EXPECT_TRUE(a.allows("sleep 5", CommandSyntax::Shell));
  EXPECT_FALSE(a.allows("sleep 5 &", CommandSyntax::Shell));
  EXPECT_FALSE(a.allows("sleep $((5))", CommandSyntax::Shell));
  EXPECT_FALSE(a.allows("sleep '5", CommandSyntax::Shell));  // unterminated quote
  // A word quoted in the command is one word, matched without its quotes.
  Allowlist q = compile({R"(grep [a-z\x20]+)"});  // pattern words hold no spaces: \x20 or \s
  EXPECT_TRUE(q.allows("grep 'a b'", CommandSyntax::Shell));
  EXPECT_TRUE(q.allows("grep \"a b\"", CommandSyntax::Argv));
  EXPECT_FALSE(q.allows("grep a b", CommandSyntax::Argv));
  EXPECT_FALSE(q.allows("grep \"$x\"", CommandSyntax::Shell));  // double quotes still expand
  EXPECT_FALSE(q.allows("grep '$x'", CommandSyntax::Shell));  // '$' is not in the class
}

TEST(AllowlistTest, LexerSplitsWordsAndOperators) {
  auto t = lexShell("a|b 'c d'\"e\"f 2>&1;\n$x `y` \\;");
  ASSERT_TRUE(t.ok());
  std::vector<std::string> texts;
  for (const auto& tok : *t) texts.push_back((tok.kind == ShellToken::Kind::Operator ? "op:" : "") + tok.text);
  EXPECT_EQ(texts, (std::vector<std::string>{"a", "op:|", "b", "c def", "2", "op:>&", "1", "op:;", "op:\n", "$x", "`y`", ";"}));
  EXPECT_TRUE((*t)[9].expands);
  EXPECT_TRUE((*t)[10].expands);
  EXPECT_FALSE((*t)[11].expands);
}

TEST(AllowlistTest, InvalidPatternsAreAllReported) {
  auto a = Allowlist::compile({"ok (", "fine", "[z-a] x", "   "});
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find("--allow-cmd \"ok (\": word \"(\""), std::string::npos) << a.error().message;
  EXPECT_NE(a.error().message.find("--allow-cmd \"[z-a] x\""), std::string::npos) << a.error().message;
  EXPECT_NE(a.error().message.find("empty pattern"), std::string::npos) << a.error().message;
}

}  // namespace
}  // namespace aviary::loadtester
