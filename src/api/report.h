#pragma once
// Per-resource validation outcome as `aviary validate` prints it: structural errors and warnings
// from decoding plus the semantic findings, grouped by document, in input order.
#include <string>
#include <vector>

#include "api/decode.h"
#include "api/validate.h"

namespace aviary::api {

struct ResourceReport {
  DocumentInfo doc;
  std::vector<Error> errors;
  std::vector<Error> warnings;
  size_t uncheckedTemplateRefs = 0;  // templateRefs not resolved because no MetricTemplate was given

  bool ok() const { return errors.empty(); }
  // "ok", "invalid" or "skipped" (a document that is not a flagger.app or aviary.dev resource).
  const char* status() const;
  // "Canary test/podinfo", "HorizontalPodAutoscaler podinfo", "document at f.yaml:3".
  std::string displayName() const;
};

// Validates everything in `loaded`. templateRefs (providerRefs) must resolve when at least one
// MetricTemplate (AlertProvider) document is present; `strict` turns warnings into errors.
std::vector<ResourceReport> checkAll(const LoadResult& loaded, bool strict);

// The text report: for each resource its errors (`FILE:LINE:COL: path: message`), its warnings
// (`FILE:LINE:COL: warning: path: message`) and one summary line (`ok  Canary test/podinfo`).
std::string formatText(const std::vector<ResourceReport>& reports);
// The machine-readable report (docs/validate.md).
Json formatJson(const std::vector<ResourceReport>& reports);

}  // namespace aviary::api
