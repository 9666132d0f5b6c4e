#include "loadtester/task_runner.h"

namespace aviary::loadtester {

TaskRunner::Submitted TaskRunner::submit(BackgroundTask task) {
  std::lock_guard lock(mu_);
  reapLocked();
  if (stopped_ || !running_.insert(task.key).second) return Submitted::AlreadyRunning;
  Worker& w = workers_.emplace_back();
  auto done = w.done;
  w.thread = std::thread([this, done, t = std::move(task)] {
    ProcessResult r = runProcess(t.spec, &cancel_);
    if (onFinish_) onFinish_(t, r);
    {
      std::lock_guard lock(mu_);
      running_.erase(t.key);
    }
    done->store(true);
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

void TaskRunner::reapLocked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void TaskRunner::shutdown() {
  std::list<Worker> workers;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    workers.swap(workers_);
  }
  cancel_.store(true);
  for (auto& w : workers) {
    if (w.thread.joinable()) w.thread.join();
  }
}

}  // namespace aviary::loadtester
