#pragma once
// What `aviary history` prints, as a pure function of the history's JSON ({"items":[record…]},
// controller/history.h), so that it is golden-tested: per rollout, newest first, the verdict
// and its reason, the steps, every metric check against its threshold and the webhook calls.
#include <string>

#include <nlohmann/json.hpp>

namespace aviary::cli {

std::string renderHistory(const nlohmann::json& history, const std::string& name, const std::string& ns);

}  // namespace aviary::cli
