// A small synchronous HTTP/1.1 client (Boost.Beast): one keep-alive
// connection to host:port, reopened when the server closed it, every request
// bounded in time. The CLI's `race --via http` and `stub mcp`, and the server
// tests, talk to `stub serve` with it.
//
// Not thread-safe: one connection per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace stub {

// Header (name, value) pairs.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpAnswer {
  int status = 0;
  std::string body;
  HttpHeaders headers;  // lowercase names; filled only with keep_headers
};

class HttpConnection {
 public:
  // `host` is a numeric address (e.g. "127.0.0.1"). With `keep_headers`,
  // answers carry their headers. `timeout` bounds each Send attempt: the
  // connect, the request and the whole answer.
  HttpConnection(std::string host, std::uint16_t port, bool keep_headers = false,
                 std::chrono::milliseconds timeout = kDefaultTimeout);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends one request (a JSON body when `body` is non-empty; "Authorization:
  // Bearer <key>" when `key` is non-empty; then `extra` headers, which
  // replace those of the same name) and reads the whole answer. A
  // keep-alive connection the server closed in between is reopened once, and
  // the request sent again: requests must be safe to repeat (spends carry an
  // idempotency key).
  // Errors: kUnavailable when the server cannot be reached, answers no
  // complete response, or does not answer within the timeout (a request
  // that timed out is not sent again).
  Result<HttpAnswer> Send(std::string_view method, std::string_view target, std::string_view key,
                          std::string_view body = {}, const HttpHeaders& extra = {});

  static constexpr std::chrono::milliseconds kDefaultTimeout{60'000};

 private:
  struct Conn;
  std::string host_;
  std::uint16_t port_;
  bool keep_headers_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Conn> conn_;
};

}  // namespace stub
