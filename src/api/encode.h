#pragma once
// Encoding flagger.app/v1beta1 resources to JSON, with Flagger's JSON field names. Fields are
// written as the user wrote them (optional fields only when set, defaults not materialised), so
// that decode -> encode -> decode gives the same structs and encode(decode(encode(x))) ==
// encode(x). Positions are not encoded.
#include <nlohmann/json.hpp>

#include "api/canary.h"

namespace aviary::api {

nlohmann::json encode(const Canary& canary);
nlohmann::json encode(const MetricTemplate& tmpl);
nlohmann::json encode(const AlertProvider& provider);
nlohmann::json encode(const CanaryAnalysis& analysis);
nlohmann::json encode(const HttpMatch& match);

}  // namespace aviary::api
