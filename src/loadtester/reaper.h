#pragma once
// ProcessReaper: waits for many running commands from one thread, so that background tasks do
// not hold a thread each (issue 24: 200 `sleep 30` tasks were 200 threads). One epoll set holds
// each command's output pipe and a pidfd of its process-group leader; deadlines are checked on
// every wake-up (at least every 100 ms). The rules are runProcess's (process.h): the output is
// collected up to maxOutputBytes, a timeout kills the whole group, and when the leader exits
// whatever is left of its group is killed too; the leader is reaped last, so its process-group id
// stays reserved while we may still signal it.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "common/result.h"
#include "loadtester/process.h"

namespace aviary::loadtester {

class ProcessReaper {
 public:
  using OnExit = std::function<void(const ProcessResult&)>;

  // Starts the reaper thread. error() is non-empty when epoll or eventfd could not be created
  // (then start() reports every command as not started).
  ProcessReaper();
  ~ProcessReaper();
  ProcessReaper(const ProcessReaper&) = delete;
  ProcessReaper& operator=(const ProcessReaper&) = delete;
  const std::string& error() const { return error_; }

  // Runs `spec`. `onExit` is called exactly once: on the reaper thread when the command has ended
  // (and its group is gone), or on this thread at once when it could not be started or the
  // reaper is shut down.
  void start(const ProcessSpec& spec, OnExit onExit);
  // Kills every running command's group, calls their onExit (results marked cancelled) and joins
  // the thread. Idempotent; later start() calls run nothing.
  void shutdown();
  size_t running() const;

 private:
  struct Child;
  void loop();
  void wake();
  void readOutput(Child& c);
  // Removes `c` once its output is closed and its leader has exited; true when it did.
  bool finishIfDone(int key);

  std::string error_;
  int epoll_ = -1;
  int wakeFd_ = -1;
  mutable std::mutex mu_;
  std::map<int, std::unique_ptr<Child>> children_;  // by leader pid
  bool stopped_ = false;
  std::atomic<bool> cancel_{false};
  std::thread thread_;
};

}  // namespace aviary::loadtester
