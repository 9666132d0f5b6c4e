#include "common/log.h"

namespace aviary {
bool setLogLevel(const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    spdlog::set_level(spdlog::level::info);
    return false;
  }
  spdlog::set_level(lvl);
  return true;
}
}  // namespace aviary
