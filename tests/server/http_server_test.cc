// The transport over real loopback HTTP: health, routing errors, the body
// limit, keep-alive, malformed requests, timeouts and the connection bound,
// and graceful shutdown.
#include "server/http_server.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "server_fixture.h"

namespace stub::server_testing {
namespace {

TEST_F(ServerTest, HealthAndReadiness) {
  auto c = Client();
  auto h = c.Get("/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.json(), nlohmann::json({{"ok", true}}));
  EXPECT_FALSE(h.header("x-request-id").empty());
  auto r = c.Get("/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["ok"], true);
  EXPECT_EQ(r.json()["store"], "memory");
}

TEST_F(ServerTest, UnknownPathIs404AndWrongMethodIs405) {
  auto c = Client();
  auto r = c.Get("/v1/nothing-here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.code(), "not_found");
  auto m = c.Send("DELETE", "/healthz");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.code(), "method_not_allowed");
  EXPECT_EQ(m.header("allow"), "GET");
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto c = Client();
  for (int i = 0; i < 20; ++i) {
    auto r = c.Get("/healthz");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.header("connection"), "");  // HTTP/1.1 default: keep-alive
  }
  EXPECT_EQ(server_->port(), port());
}

TEST_F(ServerTest, BodyOverOneMebibyteIs413) {
  const std::string admin = CreateOrg("acme");
  auto c = Client(admin);
  const std::string big = "{\"pad\":\"" + std::string((1 << 20) + 1, 'x') + "\"}";
  auto r = c.Send("POST", "/v1/spends", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.code(), "payload_too_large");
  // Exactly at the limit is read (and refused for its content, not its size).
  const std::string at_limit = "{\"pad\":\"" + std::string((1 << 20) - 10, 'x') + "\"}";
  ASSERT_EQ(at_limit.size(), std::size_t{1} << 20);
  auto ok = Client(admin).Send("POST", "/v1/spends", at_limit);
  EXPECT_EQ(ok.status, 400);
  EXPECT_EQ(ok.code(), "invalid_request");
}

TEST_F(ServerTest, MalformedHttpIs400) {
  const std::string got =
      HttpClient::Raw(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
  EXPECT_TRUE(got.starts_with("HTTP/1.1 400")) << got;
}

TEST_F(ServerTest, MetricsAndOpenApi) {
  auto c = Client();
  ASSERT_EQ(c.Get("/healthz").status, 200);
  auto m = c.Get("/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_TRUE(m.header("content-type").starts_with("text/plain")) << m.header("content-type");
  EXPECT_NE(m.body.find("stub_http_responses_total{code=\"200\"}"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("stub_batches_total"), std::string::npos);
  // The histogram counted the healthz above and this metrics request is not
  // counted yet: count 1, and +Inf holds every request.
  EXPECT_NE(m.body.find("stub_http_request_duration_seconds_bucket{le=\"+Inf\"} 1\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("stub_http_request_duration_seconds_count 1\n"), std::string::npos);
  auto o = c.Get("/openapi.json");
  ASSERT_EQ(o.status, 200);
  auto doc = o.json();
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_TRUE(doc["paths"].contains("/v1/spends"));
  EXPECT_TRUE(doc["paths"]["/v1/holds/{id}/capture"].contains("post"));
}

// A client that sends half a request and stalls is cut off at the read
// deadline; the bound on connections refuses the excess; neither stops the
// server from answering others afterwards.
TEST(HttpServerLimits, SlowClientsAreCutOffAndConnectionsAreBounded) {
  HttpServerOptions options;
  options.port = 0;
  options.read_timeout = std::chrono::milliseconds(200);
  options.max_connections = 2;
  options.worker_threads = 2;
  HttpServer server(options, [](ApiRequest&) {
    ApiResponse r;
    r.body = "{}";
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  std::thread loop([&] { server.Run(); });

  namespace asio = boost::asio;
  asio::io_context io;
  const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server.port());
  std::vector<asio::ip::tcp::socket> slow;
  for (int i = 0; i < 2; ++i) {
    slow.emplace_back(io);
    slow.back().connect(ep);
    asio::write(slow.back(), asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHo")));
  }
  // Wait until both are registered, then a third is refused at once.
  while (server.GetStats().open < 2) std::this_thread::yield();
  asio::ip::tcp::socket third(io);
  third.connect(ep);
  char c;
  boost::system::error_code ec;
  third.read_some(asio::buffer(&c, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_GE(server.GetStats().rejected, 1u);
  // The stalled clients are disconnected by the deadline (read returns EOF or
  // reset, never data).
  for (auto& s : slow) {
    const std::size_t n = s.read_some(asio::buffer(&c, 1), ec);
    EXPECT_EQ(n, 0u);
    EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  }
  while (server.GetStats().open > 0) std::this_thread::yield();
  HttpClient client(server.port());
  EXPECT_EQ(client.Get("/healthz").status, 200);
  server.Stop();
  loop.join();
}

// Stop lets a request being handled finish (answered, with Connection:
// close) and closes idle connections; Run returns.
TEST(HttpServerLimits, GracefulStopFinishesInFlightRequests) {
  HttpServerOptions options;
  options.port = 0;
  std::atomic<bool> entered{false};
  std::atomic<bool> release{false};
  HttpServer server(options, [&](ApiRequest& request) {
    ApiResponse r;
    r.body = "{\"done\":true}";
    if (request.path != "/slow") return r;
    entered = true;
    while (!release) std::this_thread::yield();
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  std::thread loop([&] { server.Run(); });
  HttpClient idle(server.port());
  ASSERT_EQ(idle.Get("/fast").status, 200);  // now an idle keep-alive connection
  HttpResult in_flight;
  std::thread request([&] {
    HttpClient c(server.port());
    in_flight = c.Get("/slow");
  });
  while (!entered) std::this_thread::yield();
  server.Stop();
  release = true;
  request.join();
  loop.join();  // Run returned: nothing left open
  EXPECT_EQ(in_flight.status, 200);
  EXPECT_EQ(in_flight.body, "{\"done\":true}");
  EXPECT_EQ(in_flight.header("connection"), "close");
  EXPECT_EQ(idle.Get("/healthz").status, 0);  // nobody listens any more
}

// Requests that wait long (the slow lane: the LLM gateway's calls) run on a
// pool of their own: with every slot taken, the other routes are still
// served by their workers, one more slow request is refused at once with 503
// "overloaded", and a slot is free again once its request is answered.
TEST(HttpServerLimits, TheSlowLaneNeverTakesTheOtherRoutesWorkers) {
  HttpServerOptions options;
  options.port = 0;
  options.worker_threads = 2;
  options.slow_lane_prefixes = {"/llm/"};
  options.slow_lane_threads = 3;
  std::atomic<int> waiting{0};
  std::atomic<bool> release{false};
  HttpServer server(options, [&](ApiRequest& request) {
    ApiResponse r;
    r.body = "{\"path\":\"" + request.path + "\"}";
    if (request.path.starts_with("/llm/")) {
      ++waiting;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return r;
  });
  ASSERT_TRUE(server.Start().ok());
  std::thread loop([&] { server.Run(); });
  std::vector<HttpResult> slow(3);
  std::vector<std::thread> callers;
  for (std::size_t i = 0; i < slow.size(); ++i) {
    callers.emplace_back([&, i] { slow[i] = HttpClient(server.port()).Get("/llm/call"); });
  }
  while (waiting.load() < 3) std::this_thread::yield();
  // Every slot waits: more routes than the 2 workers still get answers...
  HttpClient other(server.port());
  for (int i = 0; i < 4; ++i) {
    auto r = other.Get("/v1/other");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"path\":\"/v1/other\"}");
  }
  // ...and one more slow request is refused, not queued.
  auto refused = HttpClient(server.port()).Get("/llm/call");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.code(), "overloaded");
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_EQ(waiting.load(), 3);
  release = true;
  for (auto& t : callers) t.join();
  for (const HttpResult& r : slow) EXPECT_EQ(r.status, 200);
  // The slots are free again.
  EXPECT_EQ(HttpClient(server.port()).Get("/llm/call").status, 200);
  server.Stop();
  loop.join();
}

// Writes each part on one connection, pausing between parts, then reads
// until the server closes it (the last request should say Connection: close).
std::string Exchange(std::uint16_t port, const std::vector<std::string>& parts) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return "";
  for (const std::string& part : parts) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    boost::asio::write(socket, boost::asio::buffer(part), ec);
  }
  std::string got;
  char buf[4096];
  while (!ec) got.append(buf, socket.read_some(boost::asio::buffer(buf), ec));
  return got;
}

// The status lines of the answers in `got`, in order.
std::vector<std::string> StatusLines(const std::string& got) {
  std::vector<std::string> lines;
  for (std::size_t at = got.find("HTTP/1.1 "); at != std::string::npos;
       at = got.find("HTTP/1.1 ", at + 1)) {
    lines.push_back(got.substr(at, got.find("\r\n", at) - at));
  }
  return lines;
}

// A body is parsed from the bytes that came with the head when it is there,
// and read from the socket otherwise; either way each request gets its own
// body, however the client splits or joins them.
TEST_F(ServerTest, BodiesAreReadHoweverTheyArrive) {
  const std::string admin = CreateOrg("acme");
  const std::string head = "POST /v1/spends HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin +
                           "\r\nContent-Type: application/json\r\n";
  const std::string malformed = R"({"agent":)";  // 400 invalid_json
  const std::string unknown =                    // 404 not_found
      R"({"agent":"nobody","amount":"0.1","vendor":"x.com","idempotency_key":"k1"})";
  auto post = [&](const std::string& body, const std::string& extra = "") {
    return head + extra + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  const std::string close = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::vector<std::string> expected = {"HTTP/1.1 400 Bad Request", "HTTP/1.1 404 Not Found",
                                             "HTTP/1.1 200 OK"};

  // Pipelined: both bodies and the next head in one write.
  EXPECT_EQ(StatusLines(Exchange(port(), {post(malformed) + post(unknown) + close})), expected);
  // A body whose last bytes come after its head, then one cut in two.
  const std::string split = post(unknown);
  const std::size_t mid = split.size() - unknown.size() / 2;
  EXPECT_EQ(StatusLines(Exchange(port(), {post(malformed).substr(0, post(malformed).size() - 3),
                                          malformed.substr(malformed.size() - 3),
                                          split.substr(0, mid), split.substr(mid) + close})),
            expected);
  // Chunked.
  EXPECT_EQ(StatusLines(Exchange(port(), {head + "Transfer-Encoding: chunked\r\n\r\n4\r\n{\"ag\r\n",
                                          "5\r\nent\":\r\n0\r\n\r\n", post(unknown) + close})),
            expected);
  // Expect: 100-continue: the body follows the server's go-ahead.
  const std::string with_expect = post(malformed, "Expect: 100-continue\r\n");
  const std::string got =
      Exchange(port(), {with_expect.substr(0, with_expect.size() - malformed.size()),
                        malformed + post(unknown) + close});
  EXPECT_EQ(StatusLines(got),
            (std::vector<std::string>{"HTTP/1.1 100 Continue", "HTTP/1.1 400 Bad Request",
                                      "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"}));
  // Nothing of it reached the journal.
  const nlohmann::json journal = Client(admin).Get("/v1/journal").json();
  ASSERT_TRUE(journal.contains("entries")) << journal;
  EXPECT_EQ(journal["entries"].size(), 0u);
}

// The log has a line per request with its id (the caller's X-Request-Id when
// given) and never a secret: neither the root key, nor an issued key, nor
// the Authorization header.
TEST_F(ServerTest, LogsCarryRequestIdsAndNeverAKey) {
  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  auto logger = spdlog::default_logger();
  logger->sinks().push_back(sink);
  const std::string admin = CreateOrg("acme");
  auto c = Client(admin);
  auto made = c.Post("/v1/keys", {{"role", "finance"}});
  ASSERT_EQ(made.status, 201);
  auto traced = c.Send("GET", "/v1/budgets", "", {{"X-Request-Id", "trace-42"}});
  EXPECT_EQ(traced.status, 200);
  EXPECT_EQ(traced.header("x-request-id"), "trace-42");
  EXPECT_EQ(Client("stub_live_wrong").Get("/v1/budgets").status, 401);
  logger->flush();
  logger->sinks().pop_back();
  const std::string text = log.str();
  EXPECT_NE(text.find("request_id=trace-42 method=GET path=/v1/budgets status=200"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("stub_live_"), std::string::npos) << text;
  EXPECT_EQ(text.find(admin.substr(10)), std::string::npos);
  EXPECT_EQ(text.find("Bearer"), std::string::npos);
}

}  // namespace
}  // namespace stub::server_testing
