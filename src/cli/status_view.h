#pragma once
// What `aviary status` prints, as pure functions of the status API's JSON (so that they are
// golden-tested): the table of `kubectl get canaries` and the view of `kubectl describe canary`.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace aviary::cli {

// Rows padded into columns three spaces apart (trailing spaces trimmed), as kubectl prints.
std::string renderColumns(const std::vector<std::vector<std::string>>& rows);
// A metric value with at most two decimals, trailing zeros dropped ("99", "52.17").
std::string formatNumber(double v);

// kubectl's human duration ("45s", "3m12s", "25m", "5h3m", "3d4h").
std::string humanDuration(std::chrono::seconds d);

// NAMESPACE NAME STATUS WEIGHT LASTTRANSITIONTIME (NAMESPACE only when `allNamespaces`).
std::string renderTable(const nlohmann::json& list, bool allNamespaces);

// The describe view: identity, phase, weights, checks, the analysis's metrics with their last
// values against their thresholds, and the events with their age.
std::string renderDescribe(const nlohmann::json& canary, const nlohmann::json& events, const nlohmann::json& analysis,
                           Clock::TimePoint now);

}  // namespace aviary::cli
