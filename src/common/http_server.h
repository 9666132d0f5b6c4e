#pragma once
// A small HTTP/1.1 server for control-plane endpoints (load tester API, admin and status
// endpoints, and the test servers of integration tests). Not the data-plane proxy: one thread per
// connection, so handlers may block (e.g. run a command) without stalling other clients.
// Keep-alive is supported; bodies above Options::maxBodyBytes get 413, malformed requests 400.
#include <cstdint>
#include <functional>
#include <map>
#include <string_view>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace aviary::http {

struct ServerRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // raw request target: path + "?" + query
  std::string path;    // target before '?'
  std::string query;   // target after '?', raw
  std::map<std::string, std::string> headers;  // lower-cased names (last value wins)
  std::string body;
  std::string remoteAddress;

  // Header value or "" (name is matched case-insensitively).
  std::string header(const std::string& name) const;
  // Decoded query parameter or "" when absent.
  std::string queryParam(const std::string& name) const;
};

struct ServerResponse {
  int status = 200;
  std::string body;
  std::string contentType = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;
  // A streamed response (watches): when set, `body` is ignored; the server sends the head with
  // `Transfer-Encoding: chunked`, then calls `stream` on the connection's thread with a writer
  // that sends one chunk per call and returns false once the client is gone or the server stops.
  // Writing "" sends nothing and only checks whether the client has hung up (so an idle stream can
  // notice). The stream ends (last chunk) when `stream` returns; the connection is then closed.
  using ChunkWriter = std::function<bool(std::string_view)>;
  std::function<void(const ChunkWriter&)> stream;

  static ServerResponse text(int status, std::string body);
  static ServerResponse json(int status, std::string body);
};

using Handler = std::function<ServerResponse(const ServerRequest&)>;

class HttpServer {
 public:
  struct Options {
    size_t maxBodyBytes = 1 << 20;
    int readTimeoutSeconds = 60;  // idle keep-alive connections are closed after this
    size_t maxConnections = 256;  // further connections are accepted and closed at once
    int bodyLimitStatus = 413;    // status sent when a body exceeds maxBodyBytes (the load tester uses 400)
    // Both set: serve HTTPS (TLS 1.2+) with this PEM certificate chain and private key; the
    // handshake runs on the connection's thread. start() fails (Invalid) when they do not load.
    std::string tlsCertPem;
    std::string tlsKeyPem;
  };

  // Binds address:port (port 0 = ephemeral) and starts accepting on a background thread.
  // Error (code Unavailable) when the address cannot be bound, naming it.
  static Result<std::unique_ptr<HttpServer>> start(const std::string& address, uint16_t port, Handler handler,
                                                   Options options);
  static Result<std::unique_ptr<HttpServer>> start(const std::string& address, uint16_t port, Handler handler) {
    return start(address, port, std::move(handler), Options{});
  }

  virtual ~HttpServer() = default;
  // The bound port (useful with port 0).
  virtual uint16_t port() const = 0;
  // "http://address:port" ("https://" with TLS)
  virtual std::string url() const = 0;
  // Stops accepting, closes open connections and joins all threads. Idempotent.
  virtual void stop() = 0;
};

}  // namespace aviary::http
