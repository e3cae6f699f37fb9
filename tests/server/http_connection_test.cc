// HttpConnection's bound in time: a server that takes the connection and
// never answers costs a caller its timeout, not forever.
#include "server/http_connection.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>

namespace stub {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

TEST(HttpConnectionTest, AServerThatNeverAnswersCostsTheTimeoutNotForever) {
  // A listening socket nobody accepts from: the kernel completes the
  // handshake and takes the request's bytes, and no answer ever comes.
  asio::io_context io;
  tcp::acceptor silent(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  HttpConnection conn("127.0.0.1", silent.local_endpoint().port(), false,
                      std::chrono::milliseconds(200));
  auto answer = conn.Send("GET", "/healthz", "");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(answer.status().message().find("within 200 ms"), std::string::npos)
      << answer.status().message();
  // The connection is not poisoned: the next request times out the same way.
  auto again = conn.Send("GET", "/healthz", "");
  EXPECT_EQ(again.status().code(), StatusCode::kUnavailable);
}

TEST(HttpConnectionTest, ARefusedConnectionIsUnavailableAtOnce) {
  std::uint16_t port = 0;
  {
    asio::io_context io;
    tcp::acceptor closed(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    port = closed.local_endpoint().port();
  }  // closed: connecting is refused
  HttpConnection conn("127.0.0.1", port);
  auto answer = conn.Send("GET", "/healthz", "");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(answer.status().message().find("cannot connect"), std::string::npos)
      << answer.status().message();
}

}  // namespace
}  // namespace stub
