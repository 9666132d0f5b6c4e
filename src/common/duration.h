#pragma once
// Go-syntax durations ("1m", "30s", "1m30s", "500ms", "1.5h") as std::chrono values, and Go's
// time.Duration String() rendering ("1m0s", "500ms", "1.515s") used in event messages.
#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace aviary {

using Duration = std::chrono::milliseconds;

// Parses Go's time.ParseDuration syntax: an optional sign, then one or more decimal numbers each
// with a unit among ns, us, µs, ms, s, m, h. Sub-millisecond remainders are truncated.
// Errors (code Invalid) say what was found, e.g. `invalid duration "1x": unknown unit "x"`.
Result<Duration> parseDuration(std::string_view text);

// Renders like Go's time.Duration.String(): "0s", "500ms", "2s", "1m0s", "1m30.5s", "1h0m0s".
std::string formatDuration(Duration d);

}  // namespace aviary
