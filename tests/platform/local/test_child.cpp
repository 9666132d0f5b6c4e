// A child process for the supervisor tests, with behaviours `aviary podinfo` does not have.
//   test_child env ARG...     prints its arguments and $PORT $VERSION $FOO $BAR, then waits
//   test_child ignore-term    ignores SIGTERM and waits (only SIGKILL ends it)
//   test_child group          starts a grandchild in its process group, prints its pid, waits
//   test_child chatty N       writes N lines of 100 bytes, one per millisecond, then waits
//   test_child exit CODE      exits at once with CODE after printing a line
// "waits" = pause() until a signal ends it. No test sleeps on this program's behalf: the tests
// wait for what it prints or for the supervisor's status.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string mode = argc > 1 ? argv[1] : "";
  auto env = [](const char* n) { const char* v = std::getenv(n); return v ? v : "<unset>"; };
  if (mode == "env") {
    for (int i = 2; i < argc; ++i) std::printf("arg=%s\n", argv[i]);
    std::printf("PORT=%s\nVERSION=%s\nFOO=%s\nBAR=%s\n", env("PORT"), env("VERSION"), env("FOO"), env("BAR"));
  } else if (mode == "ignore-term") {
    signal(SIGTERM, SIG_IGN);
    std::printf("ignoring SIGTERM\n");
  } else if (mode == "group") {
    pid_t child = fork();
    if (child == 0) {
      for (;;) pause();
    }
    std::printf("grandchild=%d\n", static_cast<int>(child));
  } else if (mode == "chatty") {
    int n = argc > 2 ? std::atoi(argv[2]) : 100;
    std::string line(99, 'x');
    for (int i = 0; i < n; ++i) {
      std::printf("%s\n", line.c_str());
      usleep(1000);
    }
    std::printf("done\n");
  } else if (mode == "exit") {
    std::printf("bye from test_child\n");
    return argc > 2 ? std::atoi(argv[2]) : 1;
  } else {
    std::fprintf(stderr, "test_child: unknown mode \"%s\"\n", mode.c_str());
    return 2;
  }
  for (;;) pause();
}
