#pragma once
// The HTTP proxy the built-in hey uses when -x is not given, from the environment, so that a
// command run by the load tester reaches services by name through the local mesh
// (docs/local-platform.md "How service names resolve"). Go's hey ignores these variables (its
// transport uses only -x); libcurl, Go's default transport and most clients read them this way.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace aviary::loadtester {

// Reads an environment variable (nullptr when unset); std::getenv by default.
using EnvLookup = std::function<const char*(const char*)>;

// The proxy "host:port" for a plain-HTTP request to host:port, or "" to connect directly:
// http_proxy, else HTTP_PROXY ("http://host:port[/]" or "host:port"; port 80 by default), unless
// the host is loopback (localhost, 127.0.0.0/8, ::1; never proxied, as in Go) or no_proxy (else
// NO_PROXY) names it: "*" (everything), a host or IP ("example.com" also covers its subdomains,
// ".example.com" only them), optionally with ":port". Error text for a proxy URL that is not
// http:// goes to `error` and "" is returned.
std::string proxyFromEnvironment(std::string_view host, uint16_t port, const EnvLookup& env, std::string* error);

}  // namespace aviary::loadtester
