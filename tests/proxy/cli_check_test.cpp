// `aviary proxy --check` through the real binary: an admin API beyond loopback without a token is
// refused (issue 24: it was accepted silently), and each token source makes it valid.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Outcome {
  int status = -1;
  std::string output;  // stdout and stderr
};

// Runs the aviary binary with `args` (no shell), `extraEnv` ("NAME=value") added to the environment.
Outcome aviary(std::vector<std::string> args, const std::string& dir, const std::vector<std::string>& extraEnv = {}) {
  args.insert(args.begin(), AVIARY_BINARY);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> envStrings(extraEnv);
  for (char** e = environ; *e != nullptr; ++e) envStrings.emplace_back(*e);
  std::vector<char*> envp;
  for (auto& e : envStrings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string out = dir + "/out.txt";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  Outcome r;
  if (::posix_spawn(&pid, AVIARY_BINARY, &fa, nullptr, argv.data(), envp.data()) == 0) {
    int st = 0;
    ::waitpid(pid, &st, 0);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  posix_spawn_file_actions_destroy(&fa);
  std::ifstream in(out);
  std::stringstream ss;
  ss << in.rdbuf();
  r.output = ss.str();
  return r;
}

TEST(ProxyCliCheckTest, AdminBeyondLoopbackNeedsAToken) {
  char tmpl[] = "/tmp/aviary-proxy-cli-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string cfg = dir + "/proxy.yaml";
  std::ofstream(cfg) << "admin: {address: 0.0.0.0, port: 0}\n"
                        "listeners: [{name: m, routes: [{route: [{cluster: a}]}]}]\n"
                        "clusters: [{name: a, endpoints: [\"127.0.0.1:1\"]}]\n";
  Outcome bad = aviary({"proxy", "--config", cfg, "--check"}, dir);
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_NE(bad.output.find(cfg + ": admin.address: the admin API listens beyond loopback (0.0.0.0) without a token"),
            std::string::npos)
      << bad.output;
  // Starting is refused the same way (before anything is bound).
  Outcome start = aviary({"proxy", "--config", cfg}, dir);
  EXPECT_EQ(start.status, 1) << start.output;
  const std::string tokenFile = dir + "/token";
  Outcome withFile = aviary({"proxy", "--config", cfg, "--check", "--admin-token-file", tokenFile}, dir);
  EXPECT_EQ(withFile.status, 0) << withFile.output;
  EXPECT_NE(withFile.output.find("valid"), std::string::npos) << withFile.output;
  EXPECT_FALSE(std::filesystem::exists(tokenFile));  // --check creates nothing
  Outcome withEnv = aviary({"proxy", "--config", cfg, "--check"}, dir, {"AVIARY_PROXY_ADMIN_TOKEN=s3cret"});
  EXPECT_EQ(withEnv.status, 0) << withEnv.output;
  std::filesystem::remove_all(dir);
}

}  // namespace
