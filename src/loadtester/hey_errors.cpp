#include "loadtester/hey_errors.h"

#include <cctype>
#include <cstring>

namespace aviary::loadtester {

std::string formatHeyError(HeyErrorKind kind, int err, const char* why, const std::string& method, const std::string& url,
                           const std::string& address) {
  // Go's url.Error: Op is the method with only its first letter upper-case ("Get", "Post").
  std::string op = method.substr(0, 1);
  for (size_t i = 1; i < method.size(); ++i) op += static_cast<char>(std::tolower(static_cast<unsigned char>(method[i])));
  std::string prefix = op + " \"" + url + "\": ";
  std::string sys = err ? std::strerror(err) : "";
  if (!sys.empty()) sys[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(sys[0])));
  switch (kind) {
    case HeyErrorKind::Dial:
      return prefix + "dial tcp " + address + ": connect: " + sys;
    case HeyErrorKind::Eof:
      return prefix + "EOF";
    case HeyErrorKind::Timeout:
      return prefix + "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
    case HeyErrorKind::Read:
      return prefix + "read tcp " + address + ": read: " + sys;
    case HeyErrorKind::Write:
      return prefix + "write tcp " + address + ": write: " + sys;
    case HeyErrorKind::Parse:
      return prefix + "malformed HTTP response (" + std::string(why ? why : "") + ")";
  }
  return prefix + "unknown error";
}

}  // namespace aviary::loadtester
