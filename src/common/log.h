#pragma once
// Logging goes through spdlog (Debian's, built against the system fmt 9). Configure once in main.
#include <spdlog/spdlog.h>

#include <string>

namespace aviary {
// Sets the global level from "debug" | "info" | "warn" | "error"; unknown names fall back to info
// and return false so the caller can report it.
bool setLogLevel(const std::string& level);
}  // namespace aviary
