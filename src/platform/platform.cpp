#include "platform/platform.h"

namespace aviary::platform {

const char* toString(Kind kind) {
  switch (kind) {
    case Kind::Canary: return "Canary";
    case Kind::MetricTemplate: return "MetricTemplate";
    case Kind::AlertProvider: return "AlertProvider";
  }
  return "?";
}

const char* toString(ChangeType type) {
  switch (type) {
    case ChangeType::Added: return "Added";
    case ChangeType::Updated: return "Updated";
    case ChangeType::Deleted: return "Deleted";
  }
  return "?";
}

}  // namespace aviary::platform
