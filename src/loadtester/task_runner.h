#pragma once
// Background tasks (type "cmd"): each runs on its own thread; a task whose key (name.namespace +
// command) is already running is not started again — flagger-loadtester's dedupe, which keeps
// exactly one `hey -z 1m ...` alive while the rollout webhook fires every interval.
#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "loadtester/process.h"

namespace aviary::loadtester {

struct BackgroundTask {
  std::string key;   // dedupe key
  std::string type;  // metrics label
  std::string cmd;   // for logs
  ProcessSpec spec;
  bool logOutput = false;
};

class TaskRunner {
 public:
  enum class Submitted { Started, AlreadyRunning };
  // Called on the task's thread when it ends.
  using OnFinish = std::function<void(const BackgroundTask&, const ProcessResult&)>;

  explicit TaskRunner(OnFinish onFinish) : onFinish_(std::move(onFinish)) {}
  ~TaskRunner() { shutdown(); }

  Submitted submit(BackgroundTask task);
  bool isRunning(const std::string& key) const;
  size_t running() const;
  // Kills every running command's process group and joins the threads. Idempotent.
  void shutdown();

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  };
  void reapLocked();

  OnFinish onFinish_;
  mutable std::mutex mu_;
  std::set<std::string> running_;
  std::list<Worker> workers_;
  std::atomic<bool> cancel_{false};
  bool stopped_ = false;
};

}  // namespace aviary::loadtester
