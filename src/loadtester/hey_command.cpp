#include "loadtester/hey_command.h"

#include <csignal>
#include <cstdio>

#include "loadtester/hey_engine.h"
#include "loadtester/hey_report.h"

namespace aviary::loadtester {
namespace {

std::atomic<bool> gInterrupted{false};

void onSigint(int) { gInterrupted.store(true); }

}  // namespace

int runHeyCommand(const std::vector<std::string>& args) {
  auto options = parseHeyArgs(args);
  if (!options) {
    if (options.error().code == ErrorCode::NotFound) {  // -h
      std::fputs(options.error().message.c_str(), stdout);
      return 0;
    }
    std::fprintf(stderr, "%s\n\n%s", options.error().message.c_str(), heyUsage().c_str());
    return 2;
  }
  struct sigaction sa{};
  sa.sa_handler = onSigint;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  auto result = runHey(*options, &gInterrupted);
  if (!result) {
    std::fprintf(stderr, "aviary hey: %s\n", result.error().message.c_str());
    return 1;
  }
  std::string out = options->output == "csv" ? formatHeyCsv(*result) : formatHeySummary(*result);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace aviary::loadtester
