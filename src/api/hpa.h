#pragma once
// Kubernetes' HorizontalPodAutoscaler (`autoscaling/v2`; `autoscaling/v2beta2`, the same schema,
// is read as v2), as the local platform runs it (docs/resources.md, docs/autoscaling.md).
// Decoded by api/decode.h (LoadResult::autoscalers) with every structural problem reported at
// FILE:LINE:COL; the metric sources Aviary reads are Resource, Pods and Object (External and
// ContainerResource are reported as unsupported). Plain value types, no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/canary.h"
#include "autoscaling/hpa_algorithm.h"

namespace aviary::api {

inline constexpr const char* kHpaKind = "HorizontalPodAutoscaler";

// Whether apiVersion/kind name an autoscaler this reader decodes.
bool isHpa(const std::string& apiVersion, const std::string& kind);

struct HpaMetricTarget {
  autoscaling::MetricTargetType type = autoscaling::MetricTargetType::AverageValue;
  double value = 0;  // averageUtilization (percent), value or averageValue (a parsed quantity)
  std::string text;  // as written ("10", "100m", "99")
};

struct HpaMetric {
  autoscaling::MetricSourceType source = autoscaling::MetricSourceType::Pods;
  std::string name;                               // resource.name (cpu, memory), pods.metric.name or object.metric.name
  CrossNamespaceObjectReference describedObject;  // Object only
  HpaMetricTarget target;
  LineCol at;  // the metrics[i] entry (for messages)
};

struct HpaSpec {
  CrossNamespaceObjectReference scaleTargetRef;  // kind Workload/Deployment, name required
  int32_t minReplicas = 1;                       // Kubernetes' default
  int32_t maxReplicas = 0;                       // required, >= minReplicas
  std::vector<HpaMetric> metrics;                // empty: Kubernetes' default, 80 % CPU utilization
  std::optional<autoscaling::Behavior> behavior;
};

struct HorizontalPodAutoscaler {
  std::string apiVersion = "autoscaling/v2";
  std::string kind = kHpaKind;
  ObjectMeta metadata;
  HpaSpec spec;
  SourcePos pos;
  FieldPositions positions;
  // The document as JSON (as api::OtherObject keeps it), for tools that act on the object as
  // Kubernetes has it, e.g. `aviary render` cloning it for the primary. Null when a value could
  // not be converted.
  nlohmann::json object;

  std::string key() const {
    return (metadata.namespace_.empty() ? "default" : metadata.namespace_) + "/" + metadata.name;
  }
  // The spec as the algorithm takes it.
  autoscaling::HpaSpec algorithmSpec() const { return {spec.minReplicas, spec.maxReplicas, spec.behavior}; }
};

// A Kubernetes resource quantity ("10", "100m", "1.5k", "512Mi", "2e3") as a number. Error text
// "expected a quantity (e.g. 10, 100m, 1k, 512Mi), found …" for anything else.
Result<double> parseQuantity(const std::string& text);

}  // namespace aviary::api
