#include "notifier/notifier.h"

namespace aviary::notifier {

const char* toString(Severity s) {
  switch (s) {
    case Severity::Info: return "info";
    case Severity::Warn: return "warn";
    case Severity::Error: return "error";
  }
  return "info";
}

}  // namespace aviary::notifier
