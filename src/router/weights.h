#pragma once
// Traffic weights of a canary's two destinations. A value type whose invariant is that the two
// weights are each in [0, 100] and sum to 100 (Flagger's "total weight"): the constructor is
// private, so a Weights can only come from the checked factories below.
#include <cstdint>
#include <string>

#include "common/result.h"

namespace aviary::router {

class Weights {
 public:
  static constexpr int32_t kTotal = 100;

  // All traffic to the primary (100/0) or to the canary (0/100).
  static constexpr Weights allPrimary() { return Weights(kTotal, 0); }
  static constexpr Weights allCanary() { return Weights(0, kTotal); }
  // The split with `canary` percent to the canary, clamped to [0, 100].
  static constexpr Weights withCanary(int32_t canary) {
    canary = canary < 0 ? 0 : (canary > kTotal ? kTotal : canary);
    return Weights(kTotal - canary, canary);
  }
  // Checked construction from two numbers read from somewhere else (e.g. a router's config).
  // Error (Invalid) when either is outside [0, 100] or they do not sum to 100.
  static Result<Weights> of(int32_t primary, int32_t canary);

  constexpr int32_t primary() const { return primary_; }
  constexpr int32_t canary() const { return canary_; }
  constexpr bool operator==(const Weights&) const = default;
  std::string toString() const;  // "primary=90 canary=10"

 private:
  constexpr Weights(int32_t primary, int32_t canary) : primary_(primary), canary_(canary) {}
  int32_t primary_;
  int32_t canary_;
};

// Mirroring of primary traffic to the canary (a strong bool).
enum class Mirror : bool { No = false, Yes = true };

}  // namespace aviary::router
