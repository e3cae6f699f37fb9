// The MCP client (server/mcp_client.h) against scripted MCP servers over
// loopback: what a well-behaved server looks like is covered with the
// official SDK in sdk-tests/x402.mcp.test.ts; here, the answers it must
// survive — a stream kept open after the response, messages interleaved
// before it, an error status, HTML, a malformed session id, silence.
#include "server/mcp_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"

namespace stub {
namespace {

using Json = nlohmann::json;

// An MCP endpoint whose answers a test scripts: `answer` sees each request.
class ScriptedMcpServer {
 public:
  explicit ScriptedMcpServer(std::function<ApiResponse(const ApiRequest&)> answer)
      : answer_(std::move(answer)) {
    HttpServerOptions o;
    o.port = 0;
    o.worker_threads = 4;
    o.stream_poll = std::chrono::milliseconds(1);
    server_ = std::make_unique<HttpServer>(o, [this](ApiRequest& r) {
      {
        std::lock_guard lock(mu_);
        requests_.push_back(r);
      }
      return answer_(r);
    });
    const Status s = server_->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~ScriptedMcpServer() {
    stopping = true;
    server_->Stop();
    thread_.join();
  }

  FetchTarget endpoint() const {
    return *FetchTarget::Parse("http://127.0.0.1:" + std::to_string(server_->port()) + "/mcp");
  }
  std::vector<ApiRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

  std::atomic<bool> stopping{false};

 private:
  std::function<ApiResponse(const ApiRequest&)> answer_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<ApiRequest> requests_;
};

ApiResponse JsonAnswer(const Json& body, int status = 200) {
  ApiResponse a;
  a.status = status;
  a.body = body.dump();
  return a;
}

Json ResultFor(const ApiRequest& r, Json result) {
  return {{"jsonrpc", "2.0"}, {"id", Json::parse(r.body)["id"]}, {"result", std::move(result)}};
}

Json InitResult() {
  return {{"protocolVersion", "2025-06-18"},
          {"capabilities", {{"tools", Json::object()}}},
          {"serverInfo", {{"name", "scripted"}, {"version", "1"}}}};
}

// Answers initialize (with `session_id`) and the initialized notification;
// everything else goes to `call`.
std::function<ApiResponse(const ApiRequest&)> Mcp(
    std::function<ApiResponse(const ApiRequest&)> call, std::string session_id = "s-1") {
  return [call = std::move(call), session_id](const ApiRequest& r) {
    const Json m = Json::parse(r.body, nullptr, false);
    const std::string method = m.is_object() ? m.value("method", "") : "";
    if (method == "initialize") {
      ApiResponse a = JsonAnswer(ResultFor(r, InitResult()));
      if (!session_id.empty()) a.headers.emplace_back("Mcp-Session-Id", session_id);
      return a;
    }
    if (method == "notifications/initialized") {
      ApiResponse a;
      a.status = 202;
      return a;
    }
    return call(r);
  };
}

UpstreamTimeouts Short() {
  return {std::chrono::milliseconds(2000), std::chrono::milliseconds(500)};
}

TEST(McpClientTest, ReadsTheResponseOffAStreamThatStaysOpenAndSendsTheSession) {
  ScriptedMcpServer server(Mcp([&](const ApiRequest& r) {
    ApiResponse a;
    a.content_type = "text/event-stream";
    const Json id = Json::parse(r.body)["id"];
    // A progress notification, a request to the client, another id's
    // response, then ours — and the stream goes on with keep-alives.
    auto events = std::make_shared<std::vector<std::string>>(std::vector<std::string>{
        "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\n\n",
        "data: {\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"sampling/createMessage\"}\n\n",
        "data: {\"jsonrpc\":\"2.0\",\"id\":12345,\"result\":{}}\n\n",
        "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + id.dump() +
            ",\r\ndata: \"result\":{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}}\r\n\r\n"});
    auto next = std::make_shared<std::size_t>(0);
    a.stream = [events, next, &server](std::string& out) {
      if (server.stopping) return false;
      if (*next < events->size()) {
        out += (*events)[(*next)++];
      } else {
        out += ": keep-alive\n\n";
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      return true;
    };
    return a;
  }));
  UpstreamPool pool;
  auto session = McpClientSession::Open(pool, server.endpoint(), {{"x-api-key", "k"}}, Short());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->session_id(), "s-1");
  auto reply = (*session)->CallTool("report", {{"q", 1}}, {{"x402/payment", {{"x", 1}}}});
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_FALSE(reply->is_error);
  EXPECT_EQ(reply->result["content"][0]["text"], "ok");

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  const Json init = Json::parse(requests[0].body);
  EXPECT_EQ(init["params"]["protocolVersion"], kMcpClientProtocolVersion);
  EXPECT_EQ(requests[0].Header("mcp-session-id"), "");
  EXPECT_EQ(requests[0].Header("accept"), "application/json, text/event-stream");
  for (std::size_t i = 1; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].Header("mcp-session-id"), "s-1");
    EXPECT_EQ(requests[i].Header("mcp-protocol-version"), "2025-06-18");
    EXPECT_EQ(requests[i].Header("x-api-key"), "k");
  }
  const Json call = Json::parse(requests[2].body);
  EXPECT_EQ(call["method"], "tools/call");
  EXPECT_EQ(call["params"]["name"], "report");
  EXPECT_EQ(call["params"]["arguments"], Json({{"q", 1}}));
  EXPECT_EQ(call["params"]["_meta"]["x402/payment"], Json({{"x", 1}}));
}

TEST(McpClientTest, AJsonRpcErrorIsAReplyEvenUnderAnHttpErrorStatus) {
  ScriptedMcpServer server(Mcp([](const ApiRequest& r) {
    return JsonAnswer({{"jsonrpc", "2.0"},
                       {"id", Json::parse(r.body)["id"]},
                       {"error", {{"code", 402}, {"message", "pay"}, {"data", {{"a", 1}}}}}},
                      400);
  }));
  UpstreamPool pool;
  auto session = McpClientSession::Open(pool, server.endpoint(), {}, Short());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto reply = (*session)->CallTool("t", Json::object(), nullptr);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_TRUE(reply->is_error);
  EXPECT_EQ(reply->error["code"], 402);
  EXPECT_EQ(reply->error["data"], Json({{"a", 1}}));
  EXPECT_FALSE(Json::parse(server.requests()[2].body)["params"].contains("_meta"));
}

TEST(McpClientTest, AServerThatDoesNotSpeakMcpIsAProtocolError) {
  ScriptedMcpServer html([](const ApiRequest&) {
    ApiResponse a;
    a.content_type = "text/html";
    a.body = "<html>hello</html>";
    return a;
  });
  UpstreamPool pool;
  auto s = McpClientSession::Open(pool, html.endpoint(), {}, Short());
  EXPECT_EQ(s.status().reason(), "mcp_protocol_error");

  ScriptedMcpServer bad_session(
      Mcp([](const ApiRequest& r) { return JsonAnswer(ResultFor(r, {})); }, "bad id with spaces"));
  EXPECT_EQ(McpClientSession::Open(pool, bad_session.endpoint(), {}, Short()).status().reason(),
            "mcp_protocol_error");

  ScriptedMcpServer not_found(Mcp([](const ApiRequest&) {
    ApiResponse a;
    a.status = 404;
    a.body = "{}";
    return a;
  }));
  auto session = McpClientSession::Open(pool, not_found.endpoint(), {}, Short());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->CallTool("t", Json::object(), nullptr).status().reason(),
            "mcp_protocol_error");

  // A stream that ends without the response.
  ScriptedMcpServer ends(Mcp([](const ApiRequest&) {
    ApiResponse a;
    a.content_type = "text/event-stream";
    auto sent = std::make_shared<bool>(false);
    a.stream = [sent](std::string& out) {
      if (*sent) return false;
      out += "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\"}\n\n";
      *sent = true;
      return true;
    };
    return a;
  }));
  auto ending = McpClientSession::Open(pool, ends.endpoint(), {}, Short());
  ASSERT_TRUE(ending.ok()) << ending.status().ToString();
  EXPECT_EQ((*ending)->CallTool("t", Json::object(), nullptr).status().reason(),
            "mcp_protocol_error");
}

TEST(McpClientTest, AServerThatTricklesForeverIsCutOffInBoundedTime) {
  ScriptedMcpServer server(Mcp([&](const ApiRequest&) {
    ApiResponse a;
    a.content_type = "text/event-stream";
    a.stream = [&server](std::string& out) {
      if (server.stopping) return false;
      out += ": still thinking\n\n";  // never silent long enough for the idle timeout
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return true;
    };
    return a;
  }));
  UpstreamPool pool;
  auto session = McpClientSession::Open(pool, server.endpoint(), {}, Short());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto reply = (*session)->CallTool("t", Json::object(), nullptr);
  // Sent, and no answer: for a paid call, the payment may have moved.
  EXPECT_EQ(reply.status().reason(), "upstream_no_answer");
}

}  // namespace
}  // namespace stub
