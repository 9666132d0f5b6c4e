#include "loadtester/hey_options.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "loadtester/go_flags.h"

namespace aviary::loadtester {
namespace {

constexpr const char* kUsageHeader = "Usage: aviary hey [options...] <url>";

std::string base64(const std::string& in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += tbl[v >> 18];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

Result<HostPort> splitHostPort(const std::string& hp, uint16_t defaultPort, const std::string& what) {
  HostPort out;
  std::string portText;
  if (!hp.empty() && hp[0] == '[') {
    auto close = hp.find(']');
    if (close == std::string::npos) return makeError(ErrorCode::Invalid, "invalid " + what + " \"" + hp + "\"");
    out.host = hp.substr(1, close - 1);
    if (close + 1 < hp.size() && hp[close + 1] == ':') portText = hp.substr(close + 2);
  } else if (auto colon = hp.rfind(':'); colon != std::string::npos) {
    out.host = hp.substr(0, colon);
    portText = hp.substr(colon + 1);
  } else {
    out.host = hp;
  }
  if (out.host.empty()) return makeError(ErrorCode::Invalid, "invalid " + what + " \"" + hp + "\": no host");
  out.port = defaultPort;
  if (!portText.empty()) {
    int p = 0;
    for (char c : portText) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || p > 65535) {
        return makeError(ErrorCode::Invalid, "invalid " + what + " \"" + hp + "\": bad port");
      }
      p = p * 10 + (c - '0');
    }
    if (p <= 0 || p > 65535) return makeError(ErrorCode::Invalid, "invalid " + what + " \"" + hp + "\": bad port");
    out.port = static_cast<uint16_t>(p);
  }
  return out;
}

}  // namespace

std::string heyUsage() {
  return std::string(kUsageHeader) + R"(

Options:
  -n  Number of requests to run. Default is 200.
  -c  Number of workers to run concurrently. Total number of requests cannot
      be smaller than the concurrency level. Default is 50.
  -q  Rate limit, in queries per second (QPS) per worker. Default is no rate limit.
  -z  Duration of application to send requests. When duration is reached,
      application stops and exits. If duration is specified, n is ignored.
      Examples: -z 10s -z 3m.
  -o  Output type. If none provided, a summary is printed.
      "csv" is the only supported alternative. Dumps the response
      metrics in comma-separated values format.

  -m  HTTP method, one of GET, POST, PUT, DELETE, HEAD, OPTIONS.
  -H  Custom HTTP header. You can specify as many as needed by repeating the flag.
      For example, -H "Accept: text/html" -H "Content-Type: application/xml" .
  -t  Timeout for each request in seconds. Default is 20, use 0 for infinite.
  -A  HTTP Accept header.
  -d  HTTP request body.
  -D  HTTP request body from file. For example, /home/user/file.txt or ./file.txt.
  -T  Content-type, defaults to "text/html".
  -a  Basic authentication, username:password.
  -x  HTTP Proxy address as host:port.

  -host	HTTP Host header.

  -disable-compression  Disable compression.
  -disable-keepalive    Disable keep-alive, prevents re-use of TCP
                        connections between different HTTP requests.
  -disable-redirects    Disable following of HTTP redirects (aviary follows them on the same host only).
  -cpus                 Number of used cpu cores (event-loop threads).
  -threads              Same as -cpus (aviary only). Default: min(-c, CPU cores).
)";
}

Result<HeyOptions> parseHeyArgs(const std::vector<std::string>& args, const EnvLookup& env) {
  HeyOptions o;
  std::string durationText, bodyFile;
  double timeoutSeconds = 20;
  int cpus = 0;
  bool h2 = false;
  GoFlags flags(kUsageHeader);
  flags.addInt("n", &o.requests, "");
  flags.addInt("c", &o.concurrency, "");
  flags.addDouble("q", &o.qps, "");
  flags.addString("z", &durationText, "");
  flags.addString("o", &o.output, "");
  flags.addString("m", &o.method, "");
  flags.addStringList("H", &o.headers, "");
  flags.addDouble("t", &timeoutSeconds, "");
  flags.addString("A", &o.accept, "");
  flags.addString("d", &o.body, "");
  flags.addString("D", &bodyFile, "");
  flags.addString("T", &o.contentType, "");
  flags.addString("a", &o.basicAuth, "");
  flags.addString("x", &o.proxy, "");
  flags.addString("host", &o.hostHeader, "");
  flags.addBool("h2", &h2, "");
  flags.addInt("cpus", &cpus, "");
  flags.addInt("threads", &o.threads, "");
  flags.addBool("disable-compression", &o.disableCompression, "");
  flags.addBool("disable-keepalive", &o.disableKeepAlive, "");
  flags.addBool("disable-redirects", &o.disableRedirects, "");
  auto parsed = flags.parse(args);
  if (!parsed) return parsed.error();
  if (parsed->help) return makeError(ErrorCode::NotFound, heyUsage());
  if (parsed->positional.size() != 1) {
    return makeError(ErrorCode::Invalid, parsed->positional.empty() ? "missing URL" : "expected exactly one URL");
  }
  o.url = parsed->positional[0];
  if (h2) return makeError(ErrorCode::Invalid, "-h2 is not supported by the built-in hey (HTTP/1.1 only)", "-h2");
  if (!durationText.empty()) {
    auto d = parseDuration(durationText);
    if (!d) return makeError(ErrorCode::Invalid, "-z: " + d.error().message, "-z");
    o.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(*d);
    if (o.duration.count() <= 0) return makeError(ErrorCode::Invalid, "-z must be positive", "-z");
  }
  if (o.concurrency <= 0) return makeError(ErrorCode::Invalid, "-c cannot be smaller than 1.", "-c");
  if (o.duration.count() == 0) {
    if (o.requests <= 0) return makeError(ErrorCode::Invalid, "-n cannot be smaller than 1.", "-n");
    if (o.requests < o.concurrency) return makeError(ErrorCode::Invalid, "-n cannot be less than -c.", "-n");
  }
  if (o.qps < 0) return makeError(ErrorCode::Invalid, "-q cannot be negative", "-q");
  if (timeoutSeconds < 0) return makeError(ErrorCode::Invalid, "-t cannot be negative", "-t");
  o.timeout = std::chrono::nanoseconds(static_cast<int64_t>(timeoutSeconds * 1e9));
  if (o.threads < 0) return makeError(ErrorCode::Invalid, "-threads cannot be negative", "-threads");
  if (o.threads == 0 && cpus > 0) o.threads = cpus;  // hey's -cpus bounds parallelism the same way
  if (!o.output.empty() && o.output != "csv") {
    return makeError(ErrorCode::Invalid, "invalid output type \"" + o.output + "\": only \"csv\" is supported", "-o");
  }
  std::transform(o.method.begin(), o.method.end(), o.method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  static const RE2 kHeader(R"(^([\w-]+):\s*(.+))");
  for (const auto& h : o.headers) {
    if (!RE2::PartialMatch(h, kHeader)) {
      return makeError(ErrorCode::Invalid, "could not parse the provided input; input = " + h, "-H");
    }
  }
  if (!bodyFile.empty()) {
    std::ifstream in(bodyFile, std::ios::binary);
    if (!in) return makeError(ErrorCode::Io, "cannot read -D file " + bodyFile, "-D");
    std::ostringstream ss;
    ss << in.rdbuf();
    o.body = ss.str();
  }
  auto target = buildHeyTarget(o);
  if (!target) return target.error();
  if (o.proxy.empty()) {
    auto hp = splitHostPort(target->authority, 80, "URL host");
    if (!hp) return hp.error();
    std::string error;
    o.proxy = proxyFromEnvironment(hp->host, hp->port, env ? env : EnvLookup(std::getenv), &error);
    if (!error.empty()) return makeError(ErrorCode::Invalid, error, "http_proxy");
    if (!o.proxy.empty()) {
      if (auto t = buildHeyTarget(o); !t) return makeError(ErrorCode::Invalid, "http_proxy: " + t.error().message, "http_proxy");
    }
  }
  return o;
}

Result<HeyTarget> buildHeyTarget(const HeyOptions& o) {
  const std::string& url = o.url;
  std::string lowerUrl = lower(url.substr(0, 8));
  if (lowerUrl.rfind("https://", 0) == 0) {
    return makeError(ErrorCode::Invalid, "https URLs are not supported by the built-in hey: " + url +
                                             " (install hey, or see docs/hey.md)");
  }
  if (lowerUrl.rfind("http://", 0) != 0) {
    return makeError(ErrorCode::Invalid, "invalid URL \"" + url + "\": expected http://host[:port]/path");
  }
  std::string rest = url.substr(7);
  auto slash = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  if (auto hash = path.find('#'); hash != std::string::npos) path.resize(hash);
  if (path.empty() || path[0] == '?') path = "/" + path;
  if (auto at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  auto hp = splitHostPort(authority, 80, "URL host");
  if (!hp) return hp.error();

  HeyTarget t;
  t.connectHost = hp->host;
  t.connectPort = hp->port;
  std::string requestTarget = path;
  if (!o.proxy.empty()) {
    auto px = splitHostPort(o.proxy, 80, "proxy address");
    if (!px) return px.error();
    t.connectHost = px->host;
    t.connectPort = px->port;
    requestTarget = "http://" + authority + path;  // absolute form for a forward proxy
  }
  t.authority = authority;
  t.absoluteForm = !o.proxy.empty();
  t.method = o.method;
  t.body = o.body;
  t.headRequest = o.method == "HEAD";

  // Header order and defaults follow hey + Go's transport: Host, User-Agent, custom headers,
  // Accept-Encoding: gzip (unless disabled or set by the user); Content-Length when there is a body.
  std::string host = o.hostHeader.empty() ? authority : o.hostHeader;
  std::vector<std::pair<std::string, std::string>> hdrs;
  hdrs.emplace_back("Content-Type", o.contentType);
  for (const auto& h : o.headers) {
    auto colon = h.find(':');
    std::string name = h.substr(0, colon);
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (lower(name) == "host") {
      host = value;
      continue;
    }
    bool replaced = false;
    for (auto& [n, v] : hdrs) {
      if (lower(n) == lower(name)) {
        v = value;
        replaced = true;
      }
    }
    if (!replaced) hdrs.emplace_back(name, value);
  }
  if (!o.accept.empty()) hdrs.emplace_back("Accept", o.accept);
  if (!o.basicAuth.empty()) hdrs.emplace_back("Authorization", "Basic " + base64(o.basicAuth));
  bool hasUserAgent = false, hasAcceptEncoding = false;
  for (const auto& [n, v] : hdrs) {
    hasUserAgent |= lower(n) == "user-agent";
    hasAcceptEncoding |= lower(n) == "accept-encoding";
  }
  std::string block = "Host: " + host + "\r\n";
  if (!hasUserAgent) block += "User-Agent: hey/0.0.1\r\n";
  for (const auto& [n, v] : hdrs) block += n + ": " + v + "\r\n";
  if (o.disableKeepAlive) block += "Connection: close\r\n";
  if (!o.disableCompression && !hasAcceptEncoding && !t.headRequest) {
    block += "Accept-Encoding: gzip\r\n";
    t.autoGzip = true;
  }
  t.headerBlock = std::move(block);
  t.request = serializeRequest(t, o.method, path, o.body);
  return t;
}

std::string serializeRequest(const HeyTarget& t, const std::string& method, const std::string& path,
                             const std::string& body) {
  std::string req = method + " " + (t.absoluteForm ? "http://" + t.authority + path : path) + " HTTP/1.1\r\n";
  req += t.headerBlock;
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n";
  req += body;
  return req;
}

std::string redirectRequest(const HeyTarget& t, int status, const std::string& location) {
  std::string path;
  if (location.rfind("/", 0) == 0 && location.rfind("//", 0) != 0) {
    path = location;
  } else if (lower(location.substr(0, 7)) == "http://") {
    std::string rest = location.substr(7);
    auto slash = rest.find_first_of("/?");
    if (lower(rest.substr(0, slash)) != lower(t.authority)) return "";  // another host: not followed
    path = slash == std::string::npos ? "/" : rest.substr(slash);
    if (path[0] == '?') path = "/" + path;
  } else {
    return "";
  }
  if (auto hash = path.find('#'); hash != std::string::npos) path.resize(hash);
  // Go's client: 301/302/303 turn a non-GET/HEAD request into a GET without a body.
  bool keep = status == 307 || status == 308 || t.method == "GET" || t.method == "HEAD";
  return serializeRequest(t, keep ? t.method : "GET", path, keep ? t.body : "");
}

}  // namespace aviary::loadtester
