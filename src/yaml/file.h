#pragma once
// One YAML document read from a file or from text, for the files that hold a single document
// (proxy config, simulate scenarios). Syntax errors read like every other problem:
// `FILE:LINE:COL: invalid YAML: ...`. Multi-document resource files go through api/decode.h,
// which splits them on `---` and parses each part with parseDocument (yaml/tree.h).
#include <string>
#include <string_view>

#include "common/result.h"
#include "yaml/tree.h"

namespace aviary::yaml {

// Reads the whole file at `path` into `out`. An unreadable file is an Error with code Io whose
// message names the path and the system's reason.
Status readFile(const std::string& path, std::string& out);

// Parses the first document of `text` (the content of `file`, which names it in errors) into
// `doc`. On a syntax error or an exceeded limit (tree.h) appends one Error with the problem's
// position to `errors` and returns false. An empty document gives an undefined `doc.root()`.
// Node handles into `doc` stay valid while `doc` lives; `text` may be dropped after the call.
bool parseText(std::string_view text, const std::string& file, Document& doc, ErrorList& errors);

}  // namespace aviary::yaml
