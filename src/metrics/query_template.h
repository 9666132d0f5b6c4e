#pragma once
// Query templating as Flagger does it (flagger pkg/metrics/observers/render.go): a Go
// text/template whose data is nil and whose model is exposed as niladic functions.
//
// Supported subset (enough for every Flagger observer and the MetricTemplates users write):
//   - model functions: {{ name }} {{ namespace }} {{ target }} {{ service }} {{ ingress }}
//     {{ route }} {{ interval }} {{ variables }}; any spacing: {{name}}, {{  name  }};
//   - map access on `variables`: {{ variables.KEY }} (missing key = error, like missingkey=error);
//   - trim markers {{- and -}} (they eat all adjacent whitespace, as in Go);
//   - comments {{/* ... */}} (also with trim markers);
//   - string ("..." and `...`) and integer literals, parentheses, pipelines `a | f`;
//   - builtins printf (%s %v %d %q %%), print, index, len.
// Not supported (clear error naming the keyword): if/else/range/with/define/template/block,
// $variables, and `.Field` access on the (nil) data.
#include <map>
#include <string>
#include <string_view>

#include "api/canary.h"
#include "common/result.h"

namespace aviary::metrics {

// The values the template functions return (Flagger §4.1 "Template model").
struct QueryModel {
  std::string name;                              // metadata.name
  std::string namespace_;                        // metadata.namespace ("default" when empty)
  std::string target;                            // spec.targetRef.name
  std::string service;                           // spec.service.name or target
  std::string ingress;                           // spec.ingressRef.name or target
  std::string route;                             // spec.routeRef.name or target
  std::string interval;                          // the metric's interval as written, "1m" when absent
  std::map<std::string, std::string> variables;  // the metric's templateVariables
};

// The interval used when a metric does not set one (Flagger's builtin default).
inline constexpr const char* kDefaultMetricInterval = "1m";

// Builds the model for one metric of one canary. Unlike Flagger (which renders an absent interval
// of a templateRef metric as "" and so produces invalid PromQL like `[]`), the interval defaults
// to "1m" for every kind of metric.
QueryModel makeQueryModel(const api::Canary& canary, const api::CanaryMetric& metric);

// Renders `text` with `model`. Errors (code Invalid) read like Flagger's:
//   "template parsing failed: line 2: function \"foo\" not defined (known: name, namespace, ...)"
//   "template execution failed: line 1: map has no entry for key \"x\" (known: a, b)"
Result<std::string> renderQuery(std::string_view text, const QueryModel& model);

// Collapses every run of whitespace (Go's \s: space, \t, \n, \f, \r, \v excluded) into one
// space, as the Prometheus provider does before sending a query. A leading/trailing run becomes
// one space too (Flagger's builtin queries start with " ").
std::string collapseWhitespace(std::string_view query);

}  // namespace aviary::metrics
