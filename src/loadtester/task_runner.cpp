#include "loadtester/task_runner.h"

#include <memory>

namespace aviary::loadtester {

TaskRunner::Submitted TaskRunner::submit(BackgroundTask task) {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || !running_.insert(task.key).second) return Submitted::AlreadyRunning;
  }
  // Outside the lock: the callback may run at once on this thread (the command did not start).
  auto t = std::make_shared<BackgroundTask>(std::move(task));
  reaper_.start(t->spec, [this, t](const ProcessResult& r) {
    if (onFinish_) onFinish_(*t, r);
    std::lock_guard lock(mu_);
    running_.erase(t->key);
  });
  return Submitted::Started;
}

bool TaskRunner::isRunning(const std::string& key) const {
  std::lock_guard lock(mu_);
  return running_.count(key) > 0;
}

size_t TaskRunner::running() const {
  std::lock_guard lock(mu_);
  return running_.size();
}

void TaskRunner::shutdown() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  reaper_.shutdown();
}

}  // namespace aviary::loadtester
