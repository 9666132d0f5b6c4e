#include "yaml/file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "yaml/reader.h"

namespace aviary::yaml {

Status readFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::Io, "cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return makeError(ErrorCode::Io, "cannot read " + path + ": " + std::strerror(errno));
  out = std::move(ss).str();
  return okStatus();
}

bool parseText(std::string_view text, const std::string& file, Document& doc, ErrorList& errors) {
  ParseError err;
  if (parseDocument(text, 0, doc, err)) return true;
  // The message quotes the input near the problem, which may hold bytes that are not UTF-8.
  errors.push_back(Error{ErrorCode::Invalid, "invalid YAML: " + escapeInvalidUtf8(err.message), "",
                         SourcePos{file, err.line, err.column}});
  return false;
}

}  // namespace aviary::yaml
