// Unit tests of the load tester's building blocks: argv splitting, payload decoding, Go-style
// flags and the process runner.
#include <gtest/gtest.h>

#include "loadtester/command_line.h"
#include "loadtester/go_flags.h"
#include "loadtester/gates.h"
#include "loadtester/process.h"

#include <unistd.h>

namespace aviary::loadtester {
namespace {

using Words = std::vector<std::string>;

TEST(SplitCommandLineTest, SplitsLikeAShellWithoutExpanding) {
  EXPECT_EQ(*splitCommandLine("hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/"),
            (Words{"hey", "-z", "1m", "-q", "10", "-c", "2", "http://podinfo-canary.test:9898/"}));
  EXPECT_EQ(*splitCommandLine(R"(curl -H 'X-A: b c' -d "{\"k\": 1}"  x)"),
            (Words{"curl", "-H", "X-A: b c", "-d", R"({"k": 1})", "x"}));
  EXPECT_EQ(*splitCommandLine(R"(a\ b '' c*)"), (Words{"a b", "", "c*"}));
  EXPECT_EQ(*splitCommandLine("echo '$HOME | x'"), (Words{"echo", "$HOME | x"}));
}

TEST(SplitCommandLineTest, RejectsShellSyntaxAndBadQuotes) {
  for (const char* bad : {"a | b", "a && b", "a; b", "a > f", "echo $HOME", "echo `id`", "(a)"}) {
    auto r = splitCommandLine(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("type: bash"), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().path, "metadata.cmd");
  }
  EXPECT_NE(splitCommandLine("echo 'x").error().message.find("unterminated single quote"), std::string::npos);
  EXPECT_NE(splitCommandLine("echo \"x").error().message.find("unterminated double quote"), std::string::npos);
  EXPECT_FALSE(splitCommandLine("   ").ok());
}

TEST(SplitCommandLineTest, FieldsIgnoreQuotesLikeFlagger) {
  EXPECT_EQ(splitFields(" test  'a b' "), (Words{"test", "'a", "b'"}));
}

TEST(GateKeyTest, NameDotNamespace) {
  webhooks::Payload p;
  p.name = "podinfo";
  p.namespace_ = "test";
  EXPECT_EQ(gateKey(p), "podinfo.test");
}

TEST(GoFlagsTest, AcceptsGoSyntax) {
  int port = 0;
  bool flag = false;
  std::string s;
  std::vector<std::string> list;
  Duration d{0};
  GoFlags f("usage");
  f.addInt("port", &port, "");
  f.addBool("log-cmd-output", &flag, "");
  f.addString("s", &s, "");
  f.addStringList("H", &list, "");
  f.addDuration("timeout", &d, "");
  auto r = f.parse({"-port=8080", "--log-cmd-output", "-s", "v", "-H", "a: 1", "--H=b: 2", "--timeout", "1m30s", "url"});
  ASSERT_TRUE(r.ok()) << r.error().format();
  EXPECT_EQ(port, 8080);
  EXPECT_TRUE(flag);
  EXPECT_EQ(s, "v");
  EXPECT_EQ(list, (Words{"a: 1", "b: 2"}));
  EXPECT_EQ(d, std::chrono::seconds(90));
  EXPECT_EQ(r->positional, Words{"url"});
  EXPECT_TRUE(f.parse({"-log-cmd-output=false"}).ok());
  EXPECT_FALSE(flag);
}

TEST(GoFlagsTest, ErrorsNameTheFlag) {
  int n = 0;
  GoFlags f("usage");
  f.addInt("n", &n, "");
  EXPECT_EQ(f.parse({"-n", "x"}).error().message, "invalid value \"x\" for flag -n: expected an integer");
  EXPECT_EQ(f.parse({"-nope"}).error().message, "flag provided but not defined: -nope");
  EXPECT_EQ(f.parse({"-n"}).error().message, "flag needs an argument: -n");
  EXPECT_TRUE(f.parse({"-h"})->help);
}

TEST(ProcessTest, CapturesCombinedOutputAndExitStatus) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "echo out; echo err >&2; exit 4"};
  auto r = runProcess(spec);
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.exitCode, 4);
  EXPECT_EQ(r.output, "out\nerr\n");
  EXPECT_EQ(r.describe(), "exit status 4");
  EXPECT_FALSE(r.ok());
}

TEST(ProcessTest, MissingExecutableIsGoStyle) {
  ProcessSpec spec;
  spec.argv = {"no-such-binary-aviary"};
  auto r = runProcess(spec);
  EXPECT_FALSE(r.started);
  EXPECT_EQ(r.describe(), "exec: \"no-such-binary-aviary\": executable file not found in $PATH");
}

TEST(ProcessTest, EnvironmentOverridesAndOutputCap) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "echo $AVIARY_X; head -c 5000 /dev/zero"};
  spec.env = {"AVIARY_X=hello"};
  spec.maxOutputBytes = 100;
  auto r = runProcess(spec);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.output.size(), 100u);
  EXPECT_EQ(r.output.substr(0, 6), "hello\n");
}

TEST(ProcessTest, LeftoverBackgroundChildrenDoNotHoldTheTask) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "sleep 60 & echo started"};
  auto start = std::chrono::steady_clock::now();
  auto r = runProcess(spec);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.output, "started\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace aviary::loadtester

namespace aviary::loadtester {
namespace {

TEST(ProcessTest, CommandsInheritNoDescriptorsBeyondStdio) {
  int keep[2];
  ASSERT_EQ(::pipe(keep), 0);  // deliberately without O_CLOEXEC
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "ls /proc/self/fd | wc -l"};
  auto r = runProcess(spec);
  ::close(keep[0]);
  ::close(keep[1]);
  EXPECT_TRUE(r.ok());
  // 0, 1, 2 and the directory fd that ls opens to list /proc/self/fd.
  EXPECT_EQ(r.output, "4\n");
}

}  // namespace
}  // namespace aviary::loadtester
