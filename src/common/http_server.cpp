#include "common/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>

#include <poll.h>

#include <atomic>
#include <cctype>
#include <list>
#include <mutex>
#include <thread>

namespace aviary::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string percentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

class ServerImpl final : public HttpServer {
 public:
  ServerImpl(std::string address, Handler handler, Options options)
      : address_(std::move(address)), handler_(std::move(handler)), options_(options), acceptor_(io_) {}
  ~ServerImpl() override { stop(); }

  Status listen(uint16_t port) {
    beast::error_code ec;
    if (!options_.tlsCertPem.empty() || !options_.tlsKeyPem.empty()) {
      ssl_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      ssl_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
      ssl_->use_certificate_chain(asio::buffer(options_.tlsCertPem), ec);
      if (!ec) ssl_->use_private_key(asio::buffer(options_.tlsKeyPem), asio::ssl::context::pem, ec);
      if (ec) return makeError(ErrorCode::Invalid, "TLS certificate or key: " + ec.message());
    }
    auto addr = asio::ip::make_address(address_, ec);
    if (ec) return makeError(ErrorCode::Invalid, "invalid listen address \"" + address_ + "\": " + ec.message());
    tcp::endpoint ep(addr, port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return makeError(ErrorCode::Unavailable,
                       "cannot listen on " + address_ + ":" + std::to_string(port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    acceptThread_ = std::thread([this] { acceptLoop(); });
    return okStatus();
  }

  uint16_t port() const override { return port_; }
  std::string url() const override {
    std::string host = address_.find(':') != std::string::npos ? "[" + address_ + "]" : address_;
    return (ssl_ ? "https://" : "http://") + host + ":" + std::to_string(port_);
  }

  void stop() override {
    if (stopped_.exchange(true)) return;
    beast::error_code ec;
    acceptor_.cancel(ec);
    // Closing from another thread unblocks accept(); shutdown() unblocks blocked reads.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    acceptor_.close(ec);
    if (acceptThread_.joinable()) acceptThread_.join();
    std::list<Conn> conns;
    {
      std::lock_guard lock(mu_);
      for (auto& c : conns_) ::shutdown(c.fd, SHUT_RDWR);
      conns.swap(conns_);
    }
    for (auto& c : conns) {
      if (c.thread.joinable()) c.thread.join();
    }
  }

 private:
  struct Conn {
    std::thread thread;
    int fd = -1;
    std::shared_ptr<std::atomic<bool>> done = std::make_shared<std::atomic<bool>>(false);
  };

  void reapFinished() {
    // Called with mu_ held: join threads whose connection has ended.
    for (auto it = conns_.begin(); it != conns_.end();) {
      if (it->done->load()) {
        if (it->thread.joinable()) it->thread.join();
        it = conns_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void acceptLoop() {
    while (!stopped_) {
      tcp::socket sock(io_);
      beast::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec) {
        if (stopped_) return;
        continue;
      }
      std::lock_guard lock(mu_);
      reapFinished();
      if (stopped_ || conns_.size() >= options_.maxConnections) {
        sock.close(ec);
        continue;
      }
      timeval tv{options_.readTimeoutSeconds, 0};
      ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      conns_.emplace_back();
      Conn& c = conns_.back();
      c.fd = sock.native_handle();
      auto done = c.done;
      c.thread = std::thread([this, s = std::move(sock), done]() mutable {
        serve(std::move(s));
        done->store(true);
      });
    }
  }

  void serve(tcp::socket sock) {
    beast::error_code ec;
    if (ssl_) {
      asio::ssl::stream<tcp::socket&> tls(sock, *ssl_);
      tls.handshake(asio::ssl::stream_base::server, ec);
      if (!ec) {
        serveOn(tls, sock);
        tls.shutdown(ec);
      }
    } else {
      serveOn(sock, sock);
    }
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
  }

  // The request loop over a plain or a TLS stream; `raw` is the TCP socket underneath.
  template <class Stream>
  void serveOn(Stream& sock, tcp::socket& raw) {
    beast::flat_buffer buf;
    beast::error_code ec;
    std::string remote;
    auto rep = raw.remote_endpoint(ec);
    if (!ec) remote = rep.address().to_string();
    while (!stopped_) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options_.maxBodyBytes);
      parser.header_limit(64 * 1024);
      bhttp::read(sock, buf, parser, ec);
      if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset) break;
      if (ec) {
        if (ec == bhttp::error::body_limit) {
          writeSimple(sock, options_.bodyLimitStatus, "request body larger than " + std::to_string(options_.maxBodyBytes) + " bytes\n");
        } else if (ec != asio::error::would_block && ec != asio::error::try_again && ec != asio::error::timed_out &&
                   ec != asio::error::operation_aborted && ec != asio::error::bad_descriptor) {
          writeSimple(sock, 400, "malformed request: " + ec.message() + "\n");
        }
        break;
      }
      auto& msg = parser.get();
      ServerRequest req;
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      auto q = req.target.find('?');
      req.path = req.target.substr(0, q);
      if (q != std::string::npos) req.query = req.target.substr(q + 1);
      for (const auto& f : msg) req.headers[lower(std::string(f.name_string()))] = std::string(f.value());
      req.body = std::move(msg.body());
      req.remoteAddress = remote;
      bool keepAlive = msg.keep_alive();
      unsigned version = msg.version();

      ServerResponse r;
      try {
        r = handler_(req);
      } catch (const std::exception& e) {
        r = ServerResponse::text(500, std::string("internal error: ") + e.what() + "\n");
      }
      if (r.stream) {
        writeStream(sock, raw, r, version);
        break;
      }
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
      res.set(bhttp::field::server, "aviary");
      res.set(bhttp::field::content_type, r.contentType);
      for (const auto& [k, v] : r.headers) res.insert(k, v);
      res.body() = std::move(r.body);
      res.keep_alive(keepAlive);
      res.prepare_payload();
      bhttp::write(sock, res, ec);
      if (ec || !keepAlive) break;
    }
  }

  // Chunked head, one chunk per writer call, last chunk; the connection closes afterwards because
  // a stream's end is usually the client's or the server's going away.
  template <class Stream>
  void writeStream(Stream& sock, tcp::socket& raw, ServerResponse& r, unsigned version) {
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(r.status), version};
    res.set(bhttp::field::server, "aviary");
    res.set(bhttp::field::content_type, r.contentType);
    for (const auto& [k, v] : r.headers) res.insert(k, v);
    res.chunked(true);
    res.keep_alive(false);
    beast::error_code ec;
    bhttp::response_serializer<bhttp::empty_body> sr{res};
    bhttp::write_header(sock, sr, ec);
    if (ec) return;
    bool alive = true;
    ServerResponse::ChunkWriter writer = [&](std::string_view data) {
      if (!alive || stopped_) return false;
      if (data.empty()) {
        // A liveness probe (an empty chunk would end the stream): has the client hung up?
        pollfd p{raw.native_handle(), POLLRDHUP, 0};
        if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) alive = false;
        return alive;
      }
      asio::write(sock, bhttp::make_chunk(asio::const_buffer(data.data(), data.size())), ec);
      if (ec) alive = false;
      return alive;
    };
    try {
      r.stream(writer);
    } catch (const std::exception&) {
      alive = false;
    }
    if (alive) asio::write(sock, bhttp::make_chunk_last(), ec);
  }

  template <class Stream>
  void writeSimple(Stream& sock, int status, std::string body) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
    res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    res.body() = std::move(body);
    res.keep_alive(false);
    res.prepare_payload();
    beast::error_code ec;
    bhttp::write(sock, res, ec);
  }

  std::string address_;
  Handler handler_;
  Options options_;
  std::unique_ptr<asio::ssl::context> ssl_;  // set when serving HTTPS
  asio::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::thread acceptThread_;
  std::mutex mu_;
  std::list<Conn> conns_;
};

}  // namespace

std::string ServerRequest::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

std::string ServerRequest::queryParam(const std::string& name) const {
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    std::string kv = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    auto eq = kv.find('=');
    if (percentDecode(kv.substr(0, eq)) == name) return eq == std::string::npos ? "" : percentDecode(kv.substr(eq + 1));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return "";
}

ServerResponse ServerResponse::text(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

ServerResponse ServerResponse::json(int status, std::string body) {
  ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  r.contentType = "application/json";
  return r;
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& address, uint16_t port, Handler handler,
                                                      Options options) {
  auto s = std::make_unique<ServerImpl>(address, std::move(handler), options);
  if (auto st = s->listen(port); !st) return st.error();
  return std::unique_ptr<HttpServer>(std::move(s));
}

}  // namespace aviary::http
