#pragma once
// Go formatting rules the event texts depend on (Flagger formats with Go's fmt).
#include <string>

#include "common/clock.h"

namespace aviary::controller {

// Go's %v of a float64: shortest round-trip digits, in %e form when the decimal exponent is
// < -4 or >= 6, as strconv 'g' with shortest precision does ("99", "99.5", "1e+06", "1.5e-05").
std::string goFloat(double v);
// Go's %.2f.
std::string goFixed2(double v);
// RFC 3339 in UTC with second precision ("2026-01-01T00:01:00Z"), as metav1.Time serializes.
std::string rfc3339(Clock::TimePoint t);

}  // namespace aviary::controller
