// A small synchronous HTTP/1.1 client for the CLI (Boost.Beast): one
// keep-alive connection to host:port, reopened when the server closed it.
//
// Not thread-safe: one connection per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace stub {

struct HttpAnswer {
  int status = 0;
  std::string body;
};

class HttpConnection {
 public:
  // `host` is a numeric address (e.g. "127.0.0.1").
  HttpConnection(std::string host, std::uint16_t port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends one request (a JSON body when `body` is non-empty; "Authorization:
  // Bearer <key>" when `key` is non-empty) and reads the whole answer. A
  // keep-alive connection the server closed in between is reopened once, and
  // the request sent again: requests must be safe to repeat (spends carry an
  // idempotency key).
  // Errors: kUnavailable when the server cannot be reached or answers no
  // complete response.
  Result<HttpAnswer> Send(std::string_view method, std::string_view target, std::string_view key,
                          std::string_view body = {});

 private:
  struct Conn;
  std::string host_;
  std::uint16_t port_;
  std::unique_ptr<Conn> conn_;
};

}  // namespace stub
