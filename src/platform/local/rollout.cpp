// The roll policy. It mirrors the Deployment controller's rolling update with its default
// parameters as they round at small sizes (25% surge rounds up to 1, 25% unavailable rounds down
// to 0): scale the new revision up by at most one replica beyond `desired`, and scale the old
// revisions down only as far as the ready replicas stay at `desired` — unhealthy old replicas
// first, since removing them costs no availability.
#include <algorithm>

#include "platform/local/supervisor_state.h"

namespace aviary::platform::local::detail {
namespace {

// Indices of the candidates in stop order: not ready first, then the newest (highest id number
// last started) first.
std::vector<size_t> stopOrder(const Set& set, std::vector<size_t> candidates) {
  std::stable_sort(candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
    const Replica& ra = set.replicas[a];
    const Replica& rb = set.replicas[b];
    if (ra.ready != rb.ready) return !ra.ready;
    return a > b;  // replicas are appended as they are created: a higher index is newer
  });
  return candidates;
}

}  // namespace

RollPlan planRoll(const Set& set) {
  RollPlan plan;
  const std::string& revision = set.spec ? set.spec->revision : std::string();
  std::vector<size_t> current, old;
  for (size_t i = 0; i < set.replicas.size(); ++i) {
    const Replica& r = set.replicas[i];
    if (r.terminating) continue;
    (r.revision == revision ? current : old).push_back(i);
  }
  const int desired = set.removing ? 0 : std::max(0, set.desired);
  if (desired == 0) {
    plan.stop = current;
    plan.stop.insert(plan.stop.end(), old.begin(), old.end());
    return plan;
  }
  auto countReady = [&](const std::vector<size_t>& v) {
    return static_cast<int>(std::count_if(v.begin(), v.end(), [&](size_t i) { return set.replicas[i].ready; }));
  };
  const int cur = static_cast<int>(current.size());
  if (old.empty()) {
    if (cur < desired) plan.start = desired - cur;
    if (cur > desired) {
      auto order = stopOrder(set, current);
      plan.stop.assign(order.begin(), order.begin() + (cur - desired));
    }
    return plan;
  }

  // A roll is under way.
  const int maxTotal = desired + 1;
  int total = cur + static_cast<int>(old.size());
  if (cur < desired) plan.start = std::max(0, std::min(desired - cur, maxTotal - total));
  int currentReady = countReady(current);
  int currentUnavailable = cur - currentReady + plan.start;
  if (cur > desired) {  // desired shrank during the roll
    auto order = stopOrder(set, current);
    plan.stop.assign(order.begin(), order.begin() + (cur - desired));
    total -= cur - desired;
    for (size_t i : plan.stop) (set.replicas[i].ready ? currentReady : currentUnavailable) -= 1;
  }
  total += plan.start;
  int available = currentReady + countReady(old);
  int maxScaleDown = total - desired - currentUnavailable;
  for (size_t i : stopOrder(set, old)) {
    if (maxScaleDown <= 0) break;
    const bool ready = set.replicas[i].ready;
    if (ready && available - 1 < desired) break;
    plan.stop.push_back(i);
    --maxScaleDown;
    if (ready) --available;
  }
  return plan;
}

}  // namespace aviary::platform::local::detail
