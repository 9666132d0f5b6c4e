#pragma once
// Decoding flagger.app/v1beta1 resources and the local platform's aviary.dev/v1alpha1 Workload
// from YAML or JSON (multi-document), with Flagger's (Kubernetes') defaults applied and every value's source position kept for error messages.
//
// Structural problems (wrong type, unknown field, missing required field, bad enum, out of range,
// bad duration) are collected in LoadResult::errors — all of them, not only the first — and the
// resource that had them is not added to the typed lists. Semantic checks live in validate.h.
#include <string>
#include <string_view>
#include <vector>

#include "api/canary.h"
#include "api/hpa.h"
#include "api/workload.h"
#include "common/result.h"
#include "yaml/tree.h"


namespace aviary::api {

// A document whose kind is not one of ours (e.g. an Istio Gateway in the seed, or an HPA of
// another version than autoscaling/v2 or v2beta2). It is reported as skipped/ok by `aviary validate`, never silently dropped.
struct OtherObject {
  std::string apiVersion;
  std::string kind;
  std::string name;
  std::string namespace_;
  SourcePos pos;
  // The document as JSON and where each of its fields was written (for tools that act on these
  // objects, e.g. `aviary render` reading the target Deployment). `errors` holds what could not
  // be converted (e.g. a non-finite number); `aviary validate` does not report them.
  nlohmann::json object;
  FieldPositions positions;
  ErrorList errors;
};

// One document of the input, in input order, whatever its fate: lets `aviary validate` print one
// line per resource and attach each error to the resource it belongs to.
struct DocumentInfo {
  enum class Type { Canary, MetricTemplate, AlertProvider, Workload, HorizontalPodAutoscaler, Other, Unparsed };
  Type type = Type::Unparsed;
  std::string apiVersion, kind, name, namespace_;  // as far as they could be read
  SourcePos pos;                                   // start of the document
  int index = -1;  // index into canaries/templates/alertProviders/workloads/others; -1 when it had errors
  int rejectedIndex = -1;  // index into LoadResult::rejected* when it had errors
  size_t errorsBegin = 0, errorsEnd = 0;      // [begin, end) into LoadResult::errors
  size_t warningsBegin = 0, warningsEnd = 0;  // [begin, end) into LoadResult::warnings
};

struct LoadResult {
  std::vector<Canary> canaries;
  std::vector<MetricTemplate> templates;
  std::vector<AlertProvider> alertProviders;
  std::vector<Workload> workloads;  // aviary.dev/v1alpha1 Workloads (api/workload.h)
  std::vector<HorizontalPodAutoscaler> autoscalers;  // autoscaling/v2 and v2beta2 HPAs (api/hpa.h)
  std::vector<OtherObject> others;
  ErrorList errors;    // structural errors, each with file:line:col and field path
  ErrorList warnings;  // structural warnings (e.g. deprecated `canaryAnalysis`)
  std::vector<DocumentInfo> documents;  // every document, in input order
  // Best-effort partial decodes of the resources that had structural errors, kept only so that
  // validation can report their semantic problems in the same run. Never act on them.
  std::vector<Canary> rejectedCanaries;
  std::vector<MetricTemplate> rejectedTemplates;
  std::vector<AlertProvider> rejectedAlertProviders;
  std::vector<Workload> rejectedWorkloads;
  std::vector<HorizontalPodAutoscaler> rejectedAutoscalers;

  bool ok() const { return errors.empty(); }
  void append(LoadResult&& other);  // moves other's contents to the end of this one
};

// Reads a YAML (or JSON: JSON is YAML) file with one or more documents. An unreadable file is an
// Error with code Io; parse errors are reported in LoadResult::errors with their position.
Result<LoadResult> loadFile(const std::string& path);

// Same for text held in memory; `sourceName` is used as the file name in messages ("-" for stdin).
LoadResult loadString(std::string_view text, const std::string& sourceName);

// The documents of a multi-document text as loadString splits them (on `---` lines; a leading
// BOM dropped; parts holding only blank lines, comments or directives left out): each part's text
// and the 0-based line it starts on, for yaml::parseDocument. Views into `text`.
struct DocumentText {
  std::string_view text;
  int line = 0;
};
std::vector<DocumentText> splitDocuments(std::string_view text);

// Decodes one already-parsed document (used for resources written inline in other files, e.g.
// `aviary simulate` scenarios). Positions come from the node's marks within `sourceName`; the node's
// document must outlive the call only (the result holds no reference to it).
LoadResult loadNode(const yaml::Node& node, const std::string& sourceName);

}  // namespace aviary::api
