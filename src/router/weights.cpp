#include "router/weights.h"

#include <fmt/format.h>

namespace aviary::router {

Result<Weights> Weights::of(int32_t primary, int32_t canary) {
  if (primary < 0 || primary > kTotal || canary < 0 || canary > kTotal || primary + canary != kTotal) {
    return makeError(ErrorCode::Invalid,
                     fmt::format("weights must be in [0, 100] and sum to 100, got primary {} canary {}", primary, canary));
  }
  return Weights(primary, canary);
}

std::string Weights::toString() const { return fmt::format("primary={} canary={}", primary_, canary_); }

}  // namespace aviary::router
