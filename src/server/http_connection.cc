#include "server/http_connection.h"

#include <cctype>
#include <chrono>
#include <utility>
//
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace stub {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpConnection::Conn {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  bool open = false;

  // Runs the operation `start` begins on `stream` to its end: its result, or
  // beast::error::timeout once the stream's expiry (expires_at) passed.
  template <typename Start>
  beast::error_code Run(Start start) {
    beast::error_code result;
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result;
  }
};

HttpConnection::HttpConnection(std::string host, std::uint16_t port, bool keep_headers,
                               std::chrono::milliseconds timeout)
    : host_(std::move(host)),
      port_(port),
      keep_headers_(keep_headers),
      timeout_(timeout),
      conn_(std::make_unique<Conn>()) {}

HttpConnection::~HttpConnection() = default;

Result<HttpAnswer> HttpConnection::Send(std::string_view method, std::string_view target,
                                        std::string_view key, std::string_view body,
                                        const HttpHeaders& extra) {
  std::string failure;
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    if (!conn_->open) {
      conn_ = std::make_unique<Conn>();
      const auto address = asio::ip::make_address(host_, ec);
      if (ec) return InvalidArgument("bad host '" + host_ + "'");
      const tcp::endpoint endpoint(address, port_);
      conn_->stream.expires_at(deadline);
      ec = conn_->Run([&](auto done) { conn_->stream.async_connect(endpoint, done); });
      if (ec) {
        return Unavailable("cannot connect to " + host_ + ":" + std::to_string(port_) + ": " +
                           ec.message());
      }
      conn_->stream.socket().set_option(tcp::no_delay(true), ec);
      conn_->open = true;
    }
    http::request<http::string_body> req{
        http::string_to_verb(beast::string_view(method.data(), method.size())),
        beast::string_view(target.data(), target.size()), 11};
    req.set(http::field::host, host_);
    if (!key.empty()) req.set(http::field::authorization, "Bearer " + std::string(key));
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : extra) req.set(name, value);
    req.body() = std::string(body);
    req.keep_alive(true);
    req.prepare_payload();
    conn_->stream.expires_at(deadline);
    ec = conn_->Run([&](auto done) { http::async_write(conn_->stream, req, done); });
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (!ec) {
      ec = conn_->Run(
          [&](auto done) { http::async_read(conn_->stream, conn_->buffer, parser, done); });
    }
    if (ec) {
      conn_->open = false;
      if (ec == beast::error::timeout) {
        return Unavailable("no answer from " + host_ + ":" + std::to_string(port_) + " within " +
                           std::to_string(timeout_.count()) + " ms");
      }
      failure = ec.message();
      continue;  // a keep-alive connection the server closed: retry once on a fresh one
    }
    auto res = parser.release();
    if (!res.keep_alive()) conn_->open = false;
    HttpAnswer answer{static_cast<int>(res.result_int()), std::move(res.body()), {}};
    if (keep_headers_) {
      for (const auto& field : res) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        answer.headers.emplace_back(std::move(name), std::string(field.value()));
      }
    }
    return answer;
  }
  return Unavailable("no answer from " + host_ + ":" + std::to_string(port_) + ": " + failure);
}

}  // namespace stub
