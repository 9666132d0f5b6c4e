#include "metrics/prometheus_client.h"
#include "common/quote.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/http_client.h"
#include "metrics/query_template.h"

namespace aviary::metrics {
namespace {

using Json = nlohmann::json;

const char* reasonPhrase(long status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

// Prometheus's own error text from an error body, else the body itself (bounded).
std::string errorText(const std::string& body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    std::string type = j.value("errorType", "");
    return type.empty() ? j["error"].get<std::string>() : type + ": " + j["error"].get<std::string>();
  }
  constexpr size_t kMax = 1024;
  return body.size() > kMax ? body.substr(0, kMax) + "..." : body;
}

Error noValues() {
  return makeError(ErrorCode::NoValues, "no values found");
}

// Go's strconv.ParseFloat accepts what Prometheus writes: decimals, exponents, NaN, ±Inf.
Result<double> parseSampleValue(const std::string& s) {
  const char* begin = s.c_str();
  char* end = nullptr;
  double v = std::strtod(begin, &end);
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0])) || end != begin + s.size()) {
    return makeError(ErrorCode::Invalid, fmt::format("strconv.ParseFloat: parsing {}: invalid syntax", quote(s)));
  }
  return v;
}

}  // namespace

std::string goQueryEscape(std::string_view s) { return http::urlEncode(s, /*spaceAsPlus=*/true); }

Status applyPrometheusCredentials(PrometheusOptions& options, const SecretData& secret) {
  if (auto it = secret.find("token"); it != secret.end()) {
    options.bearerToken = it->second;
    return okStatus();
  }
  auto user = secret.find("username");
  if (user == secret.end()) return makeError(ErrorCode::Invalid, "prometheus credentials does not contain a username");
  auto pass = secret.find("password");
  if (pass == secret.end()) return makeError(ErrorCode::Invalid, "prometheus credentials does not contain a password");
  options.username = user->second;
  options.password = pass->second;
  return okStatus();
}

Result<PrometheusClient> PrometheusClient::create(PrometheusOptions options) {
  const std::string& a = options.address;
  auto invalid = [&] {
    return makeError(ErrorCode::Invalid, fmt::format("prometheus address {} is not a valid URL", a));
  };
  auto scheme = a.find("://");
  if (scheme == std::string::npos) return invalid();
  std::string proto = a.substr(0, scheme);
  if (proto != "http" && proto != "https") return invalid();
  std::string rest = a.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("?#"));
  auto slash = rest.find('/');
  std::string host = rest.substr(0, slash);
  if (host.empty() || host.find_first_of(" \t\r\n") != std::string::npos) return invalid();
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return PrometheusClient(std::move(options), proto + "://" + host + path);
}

std::string PrometheusClient::queryUrl(std::string_view query) const {
  return base_ + "/api/v1/query?query=" + goQueryEscape(collapseWhitespace(query));
}

Result<double> parseQueryResponse(long httpStatus, const std::string& body) {
  if (httpStatus >= 400) {
    return makeError(ErrorCode::Invalid, fmt::format("error response: Status {} {}: {}", httpStatus,
                                                     reasonPhrase(httpStatus), errorText(body)));
  }
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return makeError(ErrorCode::Invalid, "error unmarshaling result: response is not a JSON object");
  }
  if (j.value("status", "") == "error") {
    return makeError(ErrorCode::Invalid, fmt::format("error response: {}", errorText(body)));
  }
  if (!j.contains("data") || !j["data"].is_object() || !j["data"].contains("result")) {
    return makeError(ErrorCode::Invalid, "error unmarshaling result: no data.result in the response");
  }
  const Json& data = j["data"];
  std::string type = data.value("resultType", "vector");
  if (type == "matrix") return makeError(ErrorCode::Invalid, "query returned multiple values");
  if (type != "vector") {
    return makeError(
        ErrorCode::Invalid,
        fmt::format("query returned a {} result, expected an instant vector (wrap it in vector(...))", type));
  }
  const Json& result = data["result"];
  if (!result.is_array())
    return makeError(ErrorCode::Invalid, "error unmarshaling result: data.result is not an array");
  if (result.empty()) return noValues();
  for (const auto& e : result) {
    if (e.is_object() && e.contains("values") && !e["values"].is_null()) {
      return makeError(ErrorCode::Invalid, "query returned multiple values");
    }
  }
  if (result.size() > 1) {
    std::string series;
    for (size_t i = 0; i < result.size() && i < 3; ++i) {
      series +=
          (i ? ", " : "") + (result[i].is_object() && result[i].contains("metric") ? result[i]["metric"].dump() : "{}");
    }
    return makeError(ErrorCode::Invalid,
                     fmt::format("query returned {} series, expected one (aggregate it, e.g. with sum()): {}{}",
                                 result.size(), series, result.size() > 3 ? ", ..." : ""));
  }
  const Json& e = result[0];
  if (!e.is_object() || !e.contains("value") || !e["value"].is_array() || e["value"].size() < 2) return noValues();
  const Json& v = e["value"][1];
  if (!v.is_string()) return makeError(ErrorCode::Invalid, "error unmarshaling result: sample value is not a string");
  auto value = parseSampleValue(v.get<std::string>());
  if (!value.ok()) return value.error();
  if (std::isnan(*value)) return noValues();
  return *value;
}

Result<double> PrometheusClient::query(std::string_view query) const {
  http::Request req;
  req.url = queryUrl(query);
  req.timeout = options_.timeout;
  req.connectTimeout = std::min(options_.timeout, req.connectTimeout);
  req.insecureSkipVerify = options_.insecureSkipVerify;
  req.bearerToken = options_.bearerToken;
  req.basicUser = options_.username;
  req.basicPassword = options_.password;
  for (const auto& [name, values] : options_.headers) {
    for (const auto& value : values) req.headers.emplace_back(name, value);
  }
  auto resp = http::perform(req);
  if (!resp.ok()) {
    // The transport message repeats the whole escaped query URL; name the configured address
    // instead and keep libcurl's reason.
    std::string why = resp.error().message;
    std::string prefix = req.method + " " + req.url + " failed: ";
    if (why.starts_with(prefix)) why.erase(0, prefix.size());
    if (resp.error().code == ErrorCode::Timeout) {
      return makeError(ErrorCode::Timeout, fmt::format("Prometheus at {} did not answer within {}: {}",
                                                       options_.address, formatDuration(options_.timeout), why));
    }
    return makeError(resp.error().code, fmt::format("Prometheus at {} is unreachable: {}", options_.address, why));
  }
  return parseQueryResponse(resp->status, resp->body);
}

Status PrometheusClient::isOnline() const {
  auto v = query("vector(1)");
  if (!v.ok()) {
    Error e = v.error();
    e.message = "running query failed: " + e.message;
    return e;
  }
  if (*v != 1) return makeError(ErrorCode::Unavailable, "value is not 1 for query: vector(1)");
  return okStatus();
}

}  // namespace aviary::metrics
