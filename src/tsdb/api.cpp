#include "tsdb/api.h"

#include <cmath>
#include <ctime>
#include <map>

#include <fmt/format.h>

#include "promql/engine.h"
#include "promql/parser.h"
#include "tsdb/exposition.h"

namespace aviary::tsdb {
namespace {

using promql::Millis;
using Params = std::multimap<std::string, std::string>;

std::string percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() + 0 && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void addParams(Params& out, std::string_view raw) {
  size_t start = 0;
  while (start < raw.size()) {
    size_t amp = raw.find('&', start);
    std::string_view kv = raw.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    start = amp == std::string_view::npos ? raw.size() : amp + 1;
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    out.emplace(percentDecode(kv.substr(0, eq)), eq == std::string_view::npos ? "" : percentDecode(kv.substr(eq + 1)));
  }
}

Params params(const http::ServerRequest& req) {
  Params p;
  addParams(p, req.query);
  if (req.method == "POST" && req.header("content-type").starts_with("application/x-www-form-urlencoded")) {
    addParams(p, req.body);
  }
  return p;
}

std::string param(const Params& p, const std::string& name) {
  auto it = p.find(name);
  return it == p.end() ? "" : it->second;
}

std::string jsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string labelsJson(const promql::Labels& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += jsonString(labels[i].name);
    out += ':';
    out += jsonString(labels[i].value);
  }
  out += '}';
  return out;
}

std::string pointJson(Millis t, double v) {
  return "[" + promql::formatTimestamp(t) + ",\"" + promql::formatFloat(v) + "\"]";
}

http::ServerResponse success(const std::string& data) {
  return http::ServerResponse::json(200, "{\"status\":\"success\",\"data\":" + data + "}");
}

http::ServerResponse failure(const char* type, const std::string& message) {
  int status = std::string_view(type) == "execution" ? 422 : std::string_view(type) == "not_found" ? 404 : 400;
  return http::ServerResponse::json(
      status, fmt::format("{{\"status\":\"error\",\"errorType\":\"{}\",\"error\":{}}}", type, jsonString(message)));
}

Millis nowMs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch()).count();
}

Result<Millis> timeParam(const Params& p, const std::string& name, Millis fallback) {
  std::string v = param(p, name);
  if (v.empty()) return fallback;
  auto t = parseApiTime(v);
  if (!t.ok()) return makeError(ErrorCode::Invalid, fmt::format("invalid parameter \"{}\": {}", name, t.error().message));
  return t;
}

std::string valueJson(const promql::Value& v, Millis t) {
  switch (v.type) {
    case promql::ValueType::Scalar: return "{\"resultType\":\"scalar\",\"result\":" + pointJson(t, v.scalar) + "}";
    case promql::ValueType::String:
      return "{\"resultType\":\"string\",\"result\":[" + promql::formatTimestamp(t) + "," + jsonString(v.string) + "]}";
    case promql::ValueType::Vector: {
      std::string out = "{\"resultType\":\"vector\",\"result\":[";
      for (size_t i = 0; i < v.vector.size(); ++i) {
        if (i) out += ',';
        out += "{\"metric\":" + labelsJson(v.vector[i].labels) + ",\"value\":" + pointJson(t, v.vector[i].v) + "}";
      }
      return out + "]}";
    }
    case promql::ValueType::Matrix: {
      std::string out = "{\"resultType\":\"matrix\",\"result\":[";
      for (size_t i = 0; i < v.matrix.size(); ++i) {
        if (i) out += ',';
        out += "{\"metric\":" + labelsJson(v.matrix[i].labels) + ",\"values\":[";
        for (size_t k = 0; k < v.matrix[i].samples.size(); ++k) {
          if (k) out += ',';
          out += pointJson(v.matrix[i].samples[k].t, v.matrix[i].samples[k].v);
        }
        out += "]}";
      }
      return out + "]}";
    }
  }
  return "null";
}

http::ServerResponse queryError(promql::QueryPhase phase, const Error& e) {
  return failure(phase == promql::QueryPhase::Parse ? "bad_data" : "execution", e.message);
}

http::ServerResponse instantQuery(const Store& store, const Clock& clock, const Params& p) {
  auto t = timeParam(p, "time", nowMs(clock));
  if (!t.ok()) return failure("bad_data", t.error().message);
  std::string q = param(p, "query");
  if (q.find_first_not_of(" \t\r\n") == std::string::npos) return failure("bad_data", "1:1: parse error: no expression found in input");
  promql::QueryPhase phase = promql::QueryPhase::Parse;
  auto v = promql::query(q, store, *t, &phase);
  if (!v.ok()) return queryError(phase, v.error());
  return success(valueJson(*v, *t));
}

Result<Millis> stepParam(const std::string& text) {
  double seconds = 0;
  if (parseGoFloat(text, seconds)) {
    if (!std::isfinite(seconds)) return makeError(ErrorCode::Invalid, "invalid parameter \"step\": cannot parse \"" + text + "\" to a valid duration");
    return static_cast<Millis>(std::llround(seconds * 1000));
  }
  auto d = promql::parsePromDuration(text);
  if (!d.ok()) return makeError(ErrorCode::Invalid, "invalid parameter \"step\": cannot parse \"" + text + "\" to a valid duration");
  return d;
}

http::ServerResponse rangeQuery(const Store& store, const Params& p) {
  auto start = timeParam(p, "start", 0);
  if (!start.ok()) return failure("bad_data", start.error().message);
  auto end = timeParam(p, "end", 0);
  if (!end.ok()) return failure("bad_data", end.error().message);
  if (param(p, "start").empty()) return failure("bad_data", "invalid parameter \"start\": cannot parse \"\" to a valid timestamp");
  if (param(p, "end").empty()) return failure("bad_data", "invalid parameter \"end\": cannot parse \"\" to a valid timestamp");
  if (*end < *start) return failure("bad_data", "invalid parameter \"end\": end timestamp must not be before start time");
  auto step = stepParam(param(p, "step"));
  if (!step.ok()) return failure("bad_data", step.error().message);
  if (*step <= 0) {
    return failure("bad_data", "invalid parameter \"step\": zero or negative query resolution step widths are not "
                               "accepted. Try a positive integer");
  }
  if ((*end - *start) / *step > 11000) {
    return failure("bad_data", "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the "
                               "query resolution (?step=XX)");
  }
  auto expr = promql::parse(param(p, "query"));
  if (!expr.ok()) return failure("bad_data", expr.error().message);
  if ((*expr)->type != promql::ValueType::Scalar && (*expr)->type != promql::ValueType::Vector) {
    return failure("bad_data", fmt::format("invalid expression type \"{}\" for range query, must be Scalar or instant "
                                           "Vector", (*expr)->type == promql::ValueType::Matrix ? "range vector" : "string"));
  }
  std::map<promql::Labels, std::vector<promql::Sample>> series;
  for (Millis t = *start; t <= *end; t += *step) {
    auto v = promql::evaluate(**expr, store, t);
    if (!v.ok()) return failure("execution", v.error().message);
    if (v->type == promql::ValueType::Scalar) {
      series[{}].push_back({t, v->scalar});
    } else {
      for (auto& s : v->vector) series[std::move(s.labels)].push_back({t, s.v});
    }
  }
  promql::Value out;
  out.type = promql::ValueType::Matrix;
  for (auto& [labels, samples] : series) out.matrix.push_back({labels, std::move(samples)});
  return success(valueJson(out, 0));
}

Result<std::vector<promql::Matchers>> matchParams(const Params& p) {
  std::vector<promql::Matchers> sets;
  auto [first, last] = p.equal_range("match[]");
  for (auto it = first; it != last; ++it) {
    auto expr = promql::parse(it->second);
    if (!expr.ok()) return expr.error();
    if ((*expr)->kind != promql::NodeKind::VectorSelector) {
      return makeError(ErrorCode::Invalid, fmt::format("invalid parameter \"match[]\": {} is not a series selector", it->second));
    }
    sets.push_back((*expr)->matchers);
  }
  return sets;
}

std::string stringArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += jsonString(items[i]);
  }
  return out + "]";
}

http::ServerResponse metadataQuery(const Store& store, const std::string& path, const Params& p) {
  auto sets = matchParams(p);
  if (!sets.ok()) return failure("bad_data", sets.error().message);
  auto start = timeParam(p, "start", INT64_MIN / 2);
  if (!start.ok()) return failure("bad_data", start.error().message);
  auto end = timeParam(p, "end", INT64_MAX / 2);
  if (!end.ok()) return failure("bad_data", end.error().message);
  if (path == "/api/v1/series") {
    if (sets->empty()) return failure("bad_data", "no match[] parameter provided");
    std::string out = "[";
    auto all = store.series(*sets, *start, *end);
    for (size_t i = 0; i < all.size(); ++i) {
      if (i) out += ',';
      out += labelsJson(all[i]);
    }
    return success(out + "]");
  }
  if (path == "/api/v1/labels") return success(stringArray(store.labelNames(*sets, *start, *end)));
  // /api/v1/label/<name>/values
  std::string name = path.substr(std::string("/api/v1/label/").size());
  name = name.substr(0, name.size() - std::string("/values").size());
  return success(stringArray(store.labelValues(percentDecode(name), *sets, *start, *end)));
}

}  // namespace

Result<Millis> parseApiTime(const std::string& text) {
  double seconds = 0;
  if (parseGoFloat(text, seconds) && std::isfinite(seconds)) {
    double whole = std::trunc(seconds);
    double frac = std::round((seconds - whole) * 1000) / 1000;
    return static_cast<Millis>(whole) * 1000 + static_cast<Millis>(std::llround(frac * 1000));
  }
  // RFC 3339: 2006-01-02T15:04:05[.fraction](Z|±hh:mm)
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) == 6) {
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    Millis ms = static_cast<Millis>(timegm(&tm)) * 1000;
    size_t i = static_cast<size_t>(consumed);
    if (i < text.size() && text[i] == '.') {
      Millis scale = 100;
      for (++i; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, scale /= 10) {
        ms += (text[i] - '0') * scale;
      }
    }
    std::string zone = text.substr(i);
    int zh = 0, zm = 0;
    if (zone == "Z" || zone == "z") return ms;
    if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && std::sscanf(zone.c_str() + 1, "%2d:%2d", &zh, &zm) == 2) {
      Millis off = (zh * 60 + zm) * 60 * 1000;
      return zone[0] == '+' ? ms - off : ms + off;
    }
  }
  return makeError(ErrorCode::Invalid, fmt::format("cannot parse \"{}\" to a valid timestamp", text));
}

http::Handler makeApiHandler(const Store& store, const Clock& clock, ExtraRoute extra) {
  return [&store, &clock, extra](const http::ServerRequest& req) -> http::ServerResponse {
    const std::string& path = req.path;
    if (extra) {
      http::ServerResponse r;
      if (extra(req, r)) return r;
    }
    if (path == "/-/healthy" || path == "/-/ready") return http::ServerResponse::text(200, "OK\n");
    if (!path.starts_with("/api/v1/")) return http::ServerResponse::text(404, "404 page not found\n");
    if (req.method != "GET" && req.method != "POST") return failure("bad_data", "method not allowed");
    Params p = params(req);
    if (path == "/api/v1/query") return instantQuery(store, clock, p);
    if (path == "/api/v1/query_range") return rangeQuery(store, p);
    if (path == "/api/v1/series" || path == "/api/v1/labels" ||
        (path.starts_with("/api/v1/label/") && path.ends_with("/values") && path.size() > 21)) {
      return metadataQuery(store, path, p);
    }
    if (path == "/api/v1/status/buildinfo") {
      return success(R"({"version":"2.42.0","revision":"aviary-embedded","branch":"","buildUser":"","buildDate":"","goVersion":""})");
    }
    if (path == "/api/v1/metadata") return success("{}");
    if (path == "/api/v1/query_exemplars") return success("[]");
    return failure("not_found", "unknown API endpoint " + path);
  };
}

}  // namespace aviary::tsdb
