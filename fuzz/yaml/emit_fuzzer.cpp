// Property: for every document the reader turns into JSON, yaml::emitYaml writes YAML that the
// reader turns into the same JSON (strings that would read as numbers, booleans or null are
// quoted; nesting and empty collections survive).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "yaml/emit.h"
#include "yaml/file.h"
#include "yaml/reader.h"

namespace {

using aviary::ErrorList;
using Json = nlohmann::json;

bool toJson(std::string_view text, Json& out) {
  ErrorList errors, warnings;
  aviary::yaml::Document doc;
  if (!aviary::yaml::parseText(text, "f.yaml", doc, errors)) return false;
  if (!doc.root().isDefined() || aviary::yaml::findInvalidUtf8(doc.root()).isDefined()) return false;
  aviary::yaml::Sink sink("f.yaml", errors, warnings);
  return aviary::yaml::toJson(sink, doc.root(), "", out);
}

// JSON cannot carry infinities or NaN (nlohmann writes them as null): such inputs are out of scope.
bool finite(const Json& j) {
  if (j.is_number_float()) return std::isfinite(j.get<double>());
  if (j.is_structured()) {
    for (const auto& v : j) {
      if (!finite(v)) return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Json in;
  if (!toJson(std::string_view(reinterpret_cast<const char*>(data), size), in) || !finite(in)) return 0;
  const auto text = aviary::yaml::emitYaml(in);
  if (!text) return 0;  // refused (e.g. invalid UTF-8 in a string): an error, not a wrong document
  Json back;
  if (!toJson(*text, back) || back != in) std::abort();
  return 0;
}
