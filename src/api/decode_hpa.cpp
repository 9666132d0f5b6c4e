// HorizontalPodAutoscaler (autoscaling/v2, v2beta2) decoding (api/hpa.h), with Kubernetes'
// defaults and its API validation (k8s.io/kubernetes pkg/apis/autoscaling/validation) done here,
// so that every problem is reported at its position in one pass.
#include <cmath>
#include <cstdlib>

#include "api/decode_parts.h"
#include "api/hpa.h"

namespace aviary::api {

using autoscaling::MetricSourceType;
using autoscaling::MetricTargetType;

bool isHpa(const std::string& apiVersion, const std::string& kind) {
  return kind == kHpaKind && (apiVersion == "autoscaling/v2" || apiVersion == "autoscaling/v2beta2");
}

Result<double> parseQuantity(const std::string& text) {
  // Kubernetes' resource.Quantity: a decimal number with an optional SI (n u m k M G T P E),
  // binary (Ki Mi Gi Ti Pi Ei) or exponent (e3) suffix.
  auto bad = [&] {
    return makeError(ErrorCode::Invalid, "expected a quantity (e.g. 10, 100m, 1k, 512Mi), found \"" + text + "\"");
  };
  if (text.empty() || text.size() > 64) return bad();
  size_t i = 0;
  if (text[i] == '+' || text[i] == '-') ++i;
  const size_t digits = i;
  bool dot = false;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !dot))) {
    dot = dot || text[i] == '.';
    ++i;
  }
  if (i == digits || (i == digits + 1 && dot)) return bad();
  const double number = std::strtod(text.substr(0, i).c_str(), nullptr);
  const std::string suffix = text.substr(i);
  static const std::pair<const char*, double> kSuffixes[] = {{"", 1},
                                                             {"n", 1e-9},
                                                             {"u", 1e-6},
                                                             {"m", 1e-3},
                                                             {"k", 1e3},
                                                             {"M", 1e6},
                                                             {"G", 1e9},
                                                             {"T", 1e12},
                                                             {"P", 1e15},
                                                             {"E", 1e18},
                                                             {"Ki", 1024.},
                                                             {"Mi", 1048576.},
                                                             {"Gi", 1073741824.},
                                                             {"Ti", 1099511627776.},
                                                             {"Pi", 1125899906842624.},
                                                             {"Ei", 1152921504606846976.}};
  for (const auto& [s, factor] : kSuffixes)
    if (suffix == s) return number * factor;
  if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    char* end = nullptr;
    const long exp = std::strtol(suffix.c_str() + 1, &end, 10);
    if (*end == '\0' && exp > -30 && exp < 30) return number * std::pow(10.0, static_cast<double>(exp));
  }
  return bad();
}

namespace detail {
namespace {

constexpr int64_t kInt32Max = INT32_MAX;

void decodeObjectRef(ObjectReader& r, CrossNamespaceObjectReference& out) {
  r.str("apiVersion", out.apiVersion);
  r.str("kind", out.kind, true);
  r.str("name", out.name, true);
}

// A quantity field (YAML int, float or string).
bool quantity(ObjectReader& r, std::string_view name, HpaMetricTarget& out) {
  Node n = r.field(name);
  if (!n.isDefined()) return false;
  Sink& sink = r.sink();
  if (!n.isScalar()) {
    sink.error(sink.pos(n), r.fieldPath(name), "expected a quantity (e.g. 10, 100m, 1k, 512Mi), found " + describe(n));
    return false;
  }
  out.text = n.str();
  auto q = parseQuantity(out.text);
  if (!q) {
    sink.error(sink.pos(n), r.fieldPath(name), q.error().message);
    return false;
  }
  if (*q <= 0) {
    sink.error(sink.pos(n), r.fieldPath(name), "expected a quantity greater than 0, found \"" + out.text + "\"");
    return false;
  }
  out.value = *q;
  return true;
}

void decodeTarget(ObjectReader& t, MetricSourceType source, HpaMetricTarget& out) {
  std::string type;
  if (!t.oneOf("type", type, {"Utilization", "Value", "AverageValue"}, true)) {
    for (const char* f : {"averageUtilization", "value", "averageValue"}) (void)t.field(f);
    return;
  }
  Sink& sink = t.sink();
  const SourcePos at = t.keyPos("type");
  // Which target types each source allows (the API server's validateMetricTarget per source).
  const bool allowed = source == MetricSourceType::Resource ? type != "Value"
                       : source == MetricSourceType::Pods   ? type == "AverageValue"
                                                            : type != "Utilization";
  if (!allowed) {
    const char* want = source == MetricSourceType::Resource ? "Utilization or AverageValue"
                       : source == MetricSourceType::Pods   ? "AverageValue"
                                                            : "Value or AverageValue";
    sink.error(at, t.fieldPath("type"),
               std::string("expected ") + want + " for this metric source, found \"" + type + "\"");
  }
  if (type == "Utilization") {
    out.type = MetricTargetType::Utilization;
    int32_t u = 0;
    if (t.int32("averageUtilization", u, 1, kInt32Max, true)) {
      out.value = u;
      out.text = std::to_string(u);
    }
    for (const char* other : {"value", "averageValue"})
      if (t.field(other).isDefined())
        sink.error(t.keyPos(other), t.fieldPath(other),
                   "expected only averageUtilization with type Utilization, found " + std::string(other));
  } else {
    const char* field = type == "Value" ? "value" : "averageValue";
    out.type = type == "Value" ? MetricTargetType::Value : MetricTargetType::AverageValue;
    if (!t.field(field).isDefined()) {
      sink.error(t.keyPos("type"), t.fieldPath(field), "required field is missing (type " + type + ")");
    } else {
      quantity(t, field, out);
    }
    for (const char* other : {"averageUtilization", type == "Value" ? "averageValue" : "value"})
      if (t.field(other).isDefined())
        sink.error(t.keyPos(other), t.fieldPath(other),
                   std::string("expected only ") + field + " with type " + type + ", found " + other);
  }
}

void decodeMetricId(ObjectReader& parent, HpaMetric& out) {
  parent.require("metric");
  auto m = parent.child("metric");
  if (!m.isObject()) return;
  m.str("name", out.name, true);
  Json selector;
  m.json("selector", selector);  // accepted; the local platform has one set of pods per workload
}

void decodeMetric(ObjectReader& r, HpaMetric& out) {
  std::string type;
  if (!r.oneOf("type", type, {"Resource", "Pods", "Object"}, true)) {
    for (const char* f : {"resource", "pods", "object", "external", "containerResource"}) (void)r.field(f);
    return;
  }
  out.source = type == "Resource" ? MetricSourceType::Resource
               : type == "Pods"   ? MetricSourceType::Pods
                                  : MetricSourceType::Object;
  const char* field = type == "Resource" ? "resource" : type == "Pods" ? "pods" : "object";
  for (const char* other : {"resource", "pods", "object"}) {
    if (std::string_view(other) != field && r.field(other).isDefined())
      r.sink().error(r.keyPos(other), r.fieldPath(other),
                     std::string("expected only ") + field + " with type " + type + ", found " + other);
  }
  r.require(field);
  auto s = r.child(field);
  if (!s.isObject()) return;
  if (out.source == MetricSourceType::Resource) {
    s.str("name", out.name, true);
  } else {
    decodeMetricId(s, out);
  }
  if (out.source == MetricSourceType::Object) {
    s.require("describedObject");
    auto d = s.child("describedObject");
    if (d.isObject()) decodeObjectRef(d, out.describedObject);
  }
  s.require("target");
  auto t = s.child("target");
  if (t.isObject()) decodeTarget(t, out.source, out.target);
}

void decodeRules(ObjectReader& r, autoscaling::ScalingRules& out) {
  int32_t window = 0;
  if (r.int32("stabilizationWindowSeconds", window, 0, 3600)) out.stabilizationWindowSeconds = window;
  std::string select;
  if (r.oneOf("selectPolicy", select, {"Max", "Min", "Disabled"})) {
    out.selectPolicy = select == "Max"   ? autoscaling::SelectPolicy::Max
                       : select == "Min" ? autoscaling::SelectPolicy::Min
                                         : autoscaling::SelectPolicy::Disabled;
  }
  auto list = r.list("policies");
  const std::string path = r.fieldPath("policies");
  for (size_t i = 0; i < list.size(); ++i) {
    ObjectReader p(r.sink(), list[i], indexPath(path, i), lineCol(list[i]));
    if (!p.isObject()) {
      r.sink().error(r.sink().pos(list[i]), indexPath(path, i), "expected an object, found " + describe(list[i]));
      continue;
    }
    autoscaling::ScalingPolicy policy;
    std::string type;
    if (p.oneOf("type", type, {"Pods", "Percent"}, true))
      policy.type = type == "Pods" ? autoscaling::PolicyType::Pods : autoscaling::PolicyType::Percent;
    p.int32("value", policy.value, 1, kInt32Max, true);
    p.int32("periodSeconds", policy.periodSeconds, 1, 1800, true);
    out.policies.push_back(policy);
  }
}

}  // namespace

void decodeHpaSpec(ObjectReader& spec, HorizontalPodAutoscaler& hpa) {
  HpaSpec& out = hpa.spec;
  spec.require("scaleTargetRef");
  auto ref = spec.child("scaleTargetRef");
  if (ref.isObject()) decodeObjectRef(ref, out.scaleTargetRef);
  const bool hasMin = spec.int32("minReplicas", out.minReplicas, 1, kInt32Max);
  if (spec.int32("maxReplicas", out.maxReplicas, 1, kInt32Max, true) && hasMin && out.maxReplicas < out.minReplicas) {
    spec.sink().error(spec.keyPos("maxReplicas"), spec.fieldPath("maxReplicas"),
                      "expected a value >= minReplicas (" + std::to_string(out.minReplicas) + "), found " +
                          std::to_string(out.maxReplicas));
  }
  auto metrics = spec.list("metrics");
  const std::string path = spec.fieldPath("metrics");
  for (size_t i = 0; i < metrics.size(); ++i) {
    ObjectReader m(spec.sink(), metrics[i], indexPath(path, i), lineCol(metrics[i]));
    HpaMetric metric;
    metric.at = lineCol(metrics[i]);
    if (m.isObject()) {
      decodeMetric(m, metric);
    } else {
      spec.sink().error(spec.sink().pos(metrics[i]), indexPath(path, i),
                        "expected an object, found " + describe(metrics[i]));
    }
    out.metrics.push_back(std::move(metric));
  }
  if (metrics.empty()) {
    // SetDefaults_HorizontalPodAutoscaler: no metrics means 80 % CPU utilization.
    HpaMetric cpu;
    cpu.source = MetricSourceType::Resource;
    cpu.name = "cpu";
    cpu.target = {MetricTargetType::Utilization, 80, "80"};
    out.metrics.push_back(cpu);
  }
  auto b = spec.child("behavior");
  if (b.isObject()) {
    autoscaling::Behavior behavior;
    for (const char* dir : {"scaleUp", "scaleDown"}) {
      auto r = b.child(dir);
      if (!r.isObject()) continue;
      autoscaling::ScalingRules rules;
      decodeRules(r, rules);
      (std::string_view(dir) == "scaleUp" ? behavior.scaleUp : behavior.scaleDown) = std::move(rules);
    }
    out.behavior = std::move(behavior);
  }
}

}  // namespace detail
}  // namespace aviary::api
