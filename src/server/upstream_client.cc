#include "server/upstream_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <limits>
#include <optional>

#include "server/outbound_address.h"

namespace stub {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kReadPiece = 64 * 1024;
constexpr std::uint32_t kMaxHeadBytes = 64 * 1024;

Status Unreachable(std::string what) {
  return Status(StatusCode::kUnavailable, "the upstream could not be reached: " + what,
                "upstream_unavailable");
}

// After the request was (maybe partly) written: the upstream may have acted on it.
Status NoAnswer(std::string what) {
  return Status(StatusCode::kUnavailable, "the upstream did not answer: " + what,
                "upstream_no_answer");
}

std::string PoolKey(const UpstreamTarget& t) {
  return (t.tls ? "https://" : "http://") + t.host + ":" + std::to_string(t.port);
}

}  // namespace

Result<UpstreamTarget> UpstreamTarget::Parse(std::string_view url) {
  auto bad = [&] {
    return InvalidArgument("base_url must be http(s)://host[:port][/path]", "invalid_request");
  };
  UpstreamTarget t;
  if (url.starts_with("https://")) {
    t.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return bad();
  }
  const std::size_t slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  t.path = slash == std::string_view::npos ? "" : std::string(url.substr(slash));
  while (!t.path.empty() && t.path.back() == '/') t.path.pop_back();
  if (authority.empty() || authority.find_first_of("@?#") != std::string_view::npos ||
      t.path.find_first_of("?#") != std::string::npos) {
    return bad();
  }
  t.port = t.tls ? 443 : 80;
  std::string_view host = authority;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad();
    host = authority.substr(1, close - 1);
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') return bad();
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    authority.remove_prefix(colon);
  } else {
    authority = {};
  }
  if (!authority.empty()) {  // ":port"
    const std::string_view port = authority.substr(1);
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc() || end != port.data() + port.size() || v == 0 || v > 65535) return bad();
    t.port = static_cast<std::uint16_t>(v);
  }
  if (host.empty()) return bad();
  t.host = std::string(host);
  return t;
}

struct UpstreamCall::Conn {
  std::string key;
  asio::io_context io{1};
  std::optional<beast::tcp_stream> tcp;
  std::optional<ssl::stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::buffer_body>> parser;
  bool reused = false;

  beast::tcp_stream& Lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }

  // Runs the operation `start(handler)` starts, for at most `limit`.
  template <typename Start>
  beast::error_code RunFor(std::chrono::milliseconds limit, Start&& start) {
    beast::error_code result = asio::error::would_block;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run_for(limit);
    if (result == asio::error::would_block) {
      beast::error_code ignored;
      Lowest().socket().cancel(ignored);
      io.restart();
      io.run();
      return asio::error::timed_out;
    }
    return result;
  }

  template <typename F>
  auto WithStream(F&& f) {
    if (tls) return f(*tls);
    return f(*tcp);
  }
};

UpstreamCall::UpstreamCall(UpstreamPool& pool, std::unique_ptr<Conn> conn)
    : pool_(pool), conn_(std::move(conn)) {}

UpstreamCall::~UpstreamCall() {
  if (conn_ && done_ && conn_->parser && conn_->parser->keep_alive()) {
    conn_->parser.reset();
    const std::string key = conn_->key;  // before the move: argument order is unspecified
    pool_.Give(key, std::move(conn_));
  }
}

Result<std::unique_ptr<UpstreamCall>> UpstreamCall::Start(
    UpstreamPool& pool, const UpstreamTarget& target, std::string_view method,
    std::string_view path, const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view body, UpstreamTimeouts timeouts, Resend resend) {
  const std::string key = PoolKey(target);
  http::request<http::string_body> req{
      http::string_to_verb(beast::string_view(method.data(), method.size())),
      target.path + std::string(path), 11};
  const bool default_port = target.port == (target.tls ? 443 : 80);
  req.set(http::field::host,
          default_port ? target.host : target.host + ":" + std::to_string(target.port));
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::string(body);
  req.keep_alive(true);
  req.prepare_payload();

  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Conn> c =
        attempt == 0 && resend == Resend::kOnStaleConnection ? pool.Take(key) : nullptr;
    if (!c) {
      c = std::make_unique<Conn>();
      c->key = key;
      tcp::resolver resolver(c->io);
      tcp::resolver::results_type endpoints;
      beast::error_code ec = c->RunFor(timeouts.connect_and_head, [&](auto handler) {
        resolver.async_resolve(target.host, std::to_string(target.port),
                               [&endpoints, handler](beast::error_code e, auto results) mutable {
                                 endpoints = results;
                                 handler(e);
                               });
      });
      if (ec) return Unreachable("cannot resolve " + target.host + ": " + ec.message());
      if (pool.reach_ == UpstreamReach::kPublicOnly) {
        for (const auto& endpoint : endpoints) {
          if (!IsPublicAddress(endpoint.endpoint().address())) {
            return Status(StatusCode::kFailedPrecondition,
                          target.host + " resolves to " +
                              endpoint.endpoint().address().to_string() +
                              ", which is not a public address",
                          "target_not_public");
          }
        }
      }
      if (target.tls) {
        auto* ctx = static_cast<ssl::context*>(pool.TlsContext());
        c->tls.emplace(c->io, *ctx);
        if (!SSL_set_tlsext_host_name(c->tls->native_handle(), target.host.c_str())) {
          return Unreachable("TLS setup failed for " + target.host);
        }
        c->tls->set_verify_mode(ssl::verify_peer);
        c->tls->set_verify_callback(ssl::host_name_verification(target.host));
      } else {
        c->tcp.emplace(c->io);
      }
      ec = c->RunFor(timeouts.connect_and_head,
                     [&](auto handler) { c->Lowest().async_connect(endpoints, handler); });
      if (ec) return Unreachable("cannot connect to " + key + ": " + ec.message());
      c->Lowest().socket().set_option(tcp::no_delay(true), ec);
      if (c->tls) {
        ec = c->RunFor(timeouts.connect_and_head, [&](auto handler) {
          c->tls->async_handshake(ssl::stream_base::client, handler);
        });
        if (ec) return Unreachable("TLS handshake with " + key + " failed: " + ec.message());
      }
    } else {
      c->reused = true;
    }
    beast::error_code ec = c->RunFor(timeouts.connect_and_head, [&](auto handler) {
      c->WithStream([&](auto& s) { http::async_write(s, req, handler); });
    });
    if (!ec) {
      c->parser.emplace();
      // No limit here (ReadAll bounds what it keeps; streams keep nothing).
      // Not boost::none: Boost 1.74's parser compares Content-Length with
      // an empty optional and refuses every sized body.
      c->parser->body_limit(std::numeric_limits<std::uint64_t>::max());
      c->parser->header_limit(kMaxHeadBytes);
      ec = c->RunFor(timeouts.connect_and_head, [&](auto handler) {
        c->WithStream([&](auto& s) { http::async_read_header(s, c->buffer, *c->parser, handler); });
      });
    }
    if (ec) {
      // A kept-alive connection the provider closed meanwhile: once more on
      // a fresh one, as nothing of an answer came back.
      const bool stale =
          c->reused && (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                        ec == asio::error::broken_pipe || ec == asio::error::eof);
      if (stale && attempt == 0) continue;
      if (ec == asio::error::timed_out) return NoAnswer("no answer from " + key + " in time");
      return NoAnswer("the request to " + key + " failed: " + ec.message());
    }
    std::unique_ptr<UpstreamCall> call(new UpstreamCall(pool, std::move(c)));
    call->timeouts_ = timeouts;
    const auto& head = call->conn_->parser->get();
    call->status_ = static_cast<int>(head.result_int());
    for (const auto& field : head) {
      std::string name(field.name_string());
      for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      call->headers_.emplace_back(std::move(name), std::string(field.value()));
    }
    call->done_ = call->conn_->parser->is_done();
    call->last_data_ = std::chrono::steady_clock::now();
    return call;
  }
  return Unreachable("the request to " + key + " failed");
}

std::string_view UpstreamCall::Header(std::string_view name) const {
  for (const auto& [n, v] : headers_) {
    if (n == name) return v;
  }
  return {};
}

Result<bool> UpstreamCall::Read(std::string& out, std::chrono::milliseconds wait) {
  if (done_) return false;
  char piece[kReadPiece];
  Conn& c = *conn_;
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    const auto idle_left =
        std::chrono::duration_cast<std::chrono::milliseconds>(last_data_ + timeouts_.idle - now);
    if (idle_left.count() <= 0) return Unreachable("the provider went quiet");
    const bool tls_pending = c.tls && SSL_pending(c.tls->native_handle()) > 0;
    if (c.buffer.size() == 0 && !tls_pending && wait < idle_left) {
      // Nothing buffered: wait for the socket to be readable, at most `wait`.
      beast::error_code ec = c.RunFor(wait, [&](auto handler) {
        c.Lowest().socket().async_wait(tcp::socket::wait_read, handler);
      });
      if (ec == asio::error::timed_out) return true;  // nothing yet
      if (ec) return Unreachable("the answer broke off: " + ec.message());
    }
    auto& body = c.parser->get().body();
    body.data = piece;
    body.size = sizeof piece;
    beast::error_code ec = c.RunFor(idle_left, [&](auto handler) {
      c.WithStream([&](auto& s) { http::async_read_some(s, c.buffer, *c.parser, handler); });
    });
    if (ec == http::error::need_buffer) ec = {};
    const std::size_t n = sizeof piece - c.parser->get().body().size;
    out.append(piece, n);
    if (n > 0) last_data_ = std::chrono::steady_clock::now();
    if (ec) {
      if (ec == asio::error::timed_out) return Unreachable("the provider went quiet");
      return Unreachable("the answer broke off: " + ec.message());
    }
    if (c.parser->is_done()) {
      done_ = true;
      return n > 0;
    }
    if (n > 0) return true;
  }
}

Result<std::string> UpstreamCall::ReadAll(std::size_t max_bytes) {
  std::string out;
  while (true) {
    STUB_ASSIGN_OR_RETURN(bool more, Read(out));
    if (out.size() > max_bytes) {
      return Status(StatusCode::kResourceExhausted, "the provider's answer is too large",
                    "upstream_too_large");
    }
    if (!more && done_) return out;
  }
}

UpstreamPool::UpstreamPool(std::size_t max_idle_per_host, UpstreamReach reach)
    : max_idle_(max_idle_per_host), reach_(reach) {}
UpstreamPool::~UpstreamPool() = default;

std::unique_ptr<UpstreamCall::Conn> UpstreamPool::Take(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = idle_.find(key);
  if (it == idle_.end() || it->second.empty()) return nullptr;
  std::unique_ptr<UpstreamCall::Conn> c = std::move(it->second.back());
  it->second.pop_back();
  return c;
}

void UpstreamPool::Give(const std::string& key, std::unique_ptr<UpstreamCall::Conn> conn) {
  std::lock_guard lock(mu_);
  auto& list = idle_[key];
  if (list.size() < max_idle_) list.push_back(std::move(conn));
}

void* UpstreamPool::TlsContext() {
  std::lock_guard lock(mu_);
  if (!tls_) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_default_verify_paths();
    ctx->set_verify_mode(ssl::verify_peer);
    tls_ = ctx;
  }
  return tls_.get();
}

}  // namespace stub
