#pragma once
// Turning a webhook's `metadata.cmd` into an argv without a shell.
#include <string>
#include <vector>

#include "common/result.h"

namespace aviary::loadtester {

// Splits like a POSIX shell splits words, but expands nothing: whitespace separates words,
// '...' is literal, "..." honours \" \\ \$ \` escapes, a backslash outside quotes escapes the next
// character. Unquoted shell operators (| & ; < > ( ) $ `) are rejected (code Invalid) with a
// message that names the character and says to use `type: bash`, because running such a command
// without a shell would silently do something else.
Result<std::vector<std::string>> splitCommandLine(const std::string& cmd);

// Flagger's helm/kubectl tasks: split on whitespace only (Go strings.Fields), quotes not honoured.
std::vector<std::string> splitFields(const std::string& cmd);

// Finds an executable by name in `path` (a PATH value); names with '/' are returned as they are.
// Empty when not found.
std::string lookPath(const std::string& name, const std::string& path);

}  // namespace aviary::loadtester
