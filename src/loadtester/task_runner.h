#pragma once
// Background tasks (type "cmd"): started on a shared ProcessReaper (one thread waits for all of
// them, reaper.h); a task whose key (name.namespace + command) is already running is not started
// again — flagger-loadtester's dedupe, which keeps exactly one `hey -z 1m ...` alive while the
// rollout webhook fires every interval.
#include <functional>
#include <mutex>
#include <set>
#include <string>

#include "loadtester/process.h"
#include "loadtester/reaper.h"

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
  // Called when a started task ends (on the reaper's thread, or on the submitting thread when
  // the command could not be started).
  using OnFinish = std::function<void(const BackgroundTask&, const ProcessResult&)>;

  explicit TaskRunner(OnFinish onFinish) : onFinish_(std::move(onFinish)) {}
  ~TaskRunner() { shutdown(); }

  Submitted submit(BackgroundTask task);
  bool isRunning(const std::string& key) const;
  size_t running() const;
  // Kills every running command's process group and waits until each has finished. Idempotent.
  void shutdown();

 private:
  OnFinish onFinish_;
  mutable std::mutex mu_;
  std::set<std::string> running_;
  bool stopped_ = false;
  ProcessReaper reaper_;  // last: destroyed (and joined) first
};

}  // namespace aviary::loadtester
