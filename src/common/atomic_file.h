#pragma once
// Crash-safe file replacement: write to a temporary file beside `path`, fsync it, rename it over
// `path`, fsync the directory. A reader sees the old or the new content, never a mix, even
// after a power cut or a SIGKILL half-way.
#include <string>

#include "common/result.h"

namespace aviary {

Status writeFileAtomically(const std::string& path, const std::string& content);
// The whole file; NotFound when it does not exist, Io on other errors.
Result<std::string> readWholeFile(const std::string& path);

}  // namespace aviary
