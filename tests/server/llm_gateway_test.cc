// The LLM metering gateway (server/llm_gateway.h) end to end over loopback:
// a real StubServer, and a fake provider that is a real HTTP server too
// (HttpServer with a scripted handler) counting what reaches it. The official
// SDKs' view of the same contract is tested in sdk-tests/.
#include "server/llm_gateway.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_server.h"
#include "server_fixture.h"

namespace stub::server_testing {
namespace {

using Json = nlohmann::json;

constexpr const char* kProviderKey = "sk-upstream-secret-0123456789";
constexpr const char* kSecretKeyHex =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// A scripted provider: OpenAI's chat completions and Anthropic's messages.
class FakeProvider {
 public:
  FakeProvider() {
    HttpServerOptions o;
    o.port = 0;
    o.worker_threads = 8;
    o.stream_poll = std::chrono::milliseconds(1);
    server_ = std::make_unique<HttpServer>(o, [this](ApiRequest& r) { return Answer(r); });
    const Status s = server_->Start();
    EXPECT_TRUE(s.ok()) << s.ToString();
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~FakeProvider() {
    server_->Stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1"; }
  int requests() const { return requests_.load(); }
  ApiRequest last() {
    std::lock_guard lock(mu_);
    return last_;
  }

  int status = 200;
  // While true, answers wait (a provider that takes its time).
  std::atomic<bool> hold_answers{false};
  Json usage = {{"prompt_tokens", 100},
                {"completion_tokens", 50},
                {"prompt_tokens_details", {{"cached_tokens", 40}}}};

 private:
  ApiResponse Answer(ApiRequest& r) {
    ++requests_;
    while (hold_answers) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    {
      std::lock_guard lock(mu_);
      last_ = r;
    }
    ApiResponse a;
    a.headers.emplace_back("x-request-id", "req_upstream_1");
    a.headers.emplace_back("request-id", "req_upstream_1");
    if (status != 200) {
      a.status = status;
      a.body = R"({"error":{"message":"upstream broke","type":"server_error"}})";
      return a;
    }
    const Json body = Json::parse(r.body);
    const bool anthropic = r.path == "/v1/messages";
    if (body.value("stream", false)) {
      a.content_type = "text/event-stream";
      std::vector<std::string> events;
      if (anthropic) {
        events = {
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":"
            "\"msg_1\",\"usage\":{\"input_tokens\":30,\"output_tokens\":1}}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
            "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"usage\":"
            "{\"output_tokens\":20}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"};
      } else {
        Json last = {{"id", "chatcmpl-1"}, {"choices", Json::array()}};
        const bool with_usage =
            body.contains("stream_options") && body["stream_options"].value("include_usage", false);
        events = {
            "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n"};
        if (with_usage) {
          last["usage"] = usage;
          events.push_back("data: " + last.dump() + "\n\n");
        }
        events.push_back("data: [DONE]\n\n");
      }
      auto next = std::make_shared<std::size_t>(0);
      a.stream = [events, next](std::string& out) {
        if (*next == events.size()) return false;
        out += events[(*next)++];
        return true;
      };
      return a;
    }
    if (anthropic) {
      a.body = Json{
          {"id", "msg_1"},
          {"type", "message"},
          {"usage",
           {{"input_tokens", 30},
            {"output_tokens", 20},
            {"cache_read_input_tokens", 100},
            {"cache_creation_input_tokens",
             10}}}}.dump();
    } else {
      a.body = Json{{"id", "chatcmpl-1"}, {"object", "chat.completion"}, {"usage", usage}}.dump();
    }
    return a;
  }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::atomic<int> requests_{0};
  std::mutex mu_;
  ApiRequest last_;
};

class LlmGatewayTest : public ServerTest {
 protected:
  virtual ServerOptions GatewayOptions() {
    ServerOptions options;
    options.secret_key = SecretKey::Parse(kSecretKeyHex).value();
    return options;
  }

  void SetUp() override {
    StartServer(MakeStore(), GatewayOptions());
    admin_ = CreateOrg("acme");
    auto admin = Client(admin_);
    ASSERT_EQ(admin.Put("/v1/teams/research", Json::object()).status, 201);
    ASSERT_EQ(admin
                  .Put("/v1/agents/bot", {{"team", "research"},
                                          {"limits", {{{"amount", "1.00"}, {"period", "month"}}}}})
                  .status,
              201);
    auto key = admin.Post("/v1/keys", {{"role", "agent"}, {"agent", "bot"}});
    ASSERT_EQ(key.status, 201) << key.body;
    agent_ = key.json()["key"];
    for (const auto& [name, kind] : {std::pair{"oa", "openai"}, std::pair{"an", "anthropic"}}) {
      auto put =
          admin.Put("/v1/providers/" + std::string(name), {{"kind", kind},
                                                           {"base_url", upstream_.url()},
                                                           {"api_key", kProviderKey},
                                                           {"models",
                                                            {{"m1",
                                                              {{"input", "2.50"},
                                                               {"output", "10.00"},
                                                               {"cached_input", "1.25"},
                                                               {"max_output_tokens", 1000}}}}}});
      ASSERT_EQ(put.status, 201) << put.body;
    }
  }

  HttpResult Chat(const Json& body, std::map<std::string, std::string> headers = {}) {
    headers.emplace("Authorization", "Bearer " + agent_);
    return Client().Send("POST", "/llm/oa/v1/chat/completions", body.dump(), headers);
  }

  Json Limit() {
    auto budget = Client(admin_).Get("/v1/budgets/bot");
    EXPECT_EQ(budget.status, 200) << budget.body;
    return budget.json()["limits"][0];
  }

  FakeProvider upstream_;
  std::string admin_;
  std::string agent_;
};

const Json kCall = {
    {"model", "m1"}, {"max_tokens", 100}, {"messages", {{{"role", "user"}, {"content", "hello"}}}}};

TEST_F(LlmGatewayTest, ProvidersKeepTheirKeyWriteOnly) {
  auto admin = Client(admin_);
  auto list = admin.Get("/v1/providers");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find(kProviderKey), std::string::npos);
  ASSERT_EQ(list.json()["items"].size(), 2u);
  EXPECT_EQ(list.json()["items"][0]["name"], "an");
  EXPECT_EQ(list.json()["items"][1]["vendor"], "127.0.0.1");
  EXPECT_EQ(list.json()["items"][1]["api_key_set"], true);
  EXPECT_FALSE(list.json()["items"][1].contains("api_key"));
  // Replacing answers 200; the journal audits the change without the key.
  auto again =
      admin.Put("/v1/providers/oa", {{"kind", "openai"},
                                     {"base_url", upstream_.url()},
                                     {"api_key", kProviderKey},
                                     {"models", {{"m1", {{"input", "1"}, {"output", "2"}}}}}});
  EXPECT_EQ(again.status, 200) << again.body;
  auto journal = admin.Get("/v1/journal?limit=100");
  EXPECT_NE(journal.body.find("provider.updated"), std::string::npos);
  EXPECT_EQ(journal.body.find(kProviderKey), std::string::npos);
  // Agent keys may not see or change providers.
  EXPECT_EQ(Client(agent_).Get("/v1/providers").status, 403);
}

TEST_F(LlmGatewayTest, ACallIsHeldThenCapturedAtItsUsagePrice) {
  auto r = Chat(kCall, {{"Stub-Session", "s1"}, {"Stub-User", "ann"}, {"Stub-Intent", "test"}});
  ASSERT_EQ(r.status, 200) << r.body;
  // 60 input × 2.50 + 40 cached × 1.25 + 50 output × 10.00 per 1M = 700 micros.
  EXPECT_EQ(r.header("stub-amount"), "0.0007");
  EXPECT_EQ(r.header("x-request-id"), "req_upstream_1");
  EXPECT_EQ(r.json()["id"], "chatcmpl-1");
  // The provider got its own key, never the agent's.
  EXPECT_EQ(upstream_.last().Header("authorization"), std::string("Bearer ") + kProviderKey);
  auto spend = Client(admin_).Get("/v1/spends/" + r.header("stub-spend-id"));
  ASSERT_EQ(spend.status, 200) << spend.body;
  const Json s = spend.json();
  EXPECT_EQ(s["amount"], "0.0007");
  EXPECT_EQ(s["vendor"], "127.0.0.1");
  EXPECT_EQ(s["category"], "llm");
  EXPECT_EQ(s["session"], "s1");
  EXPECT_EQ(s["user"], "ann");
  EXPECT_EQ(s["intent"], "test");
  const Json receipt = s["receipt"];
  EXPECT_EQ(receipt["provider"], "oa");
  EXPECT_EQ(receipt["model"], "m1");
  EXPECT_EQ(receipt["input_tokens"], 60);
  EXPECT_EQ(receipt["cached_tokens"], 40);
  EXPECT_EQ(receipt["output_tokens"], 50);
  EXPECT_EQ(receipt["upstream_request_id"], "req_upstream_1");
  EXPECT_EQ(receipt["prices"]["cached_input"], "1.25");
  EXPECT_EQ(receipt["stream"], false);
  EXPECT_EQ(receipt["usage_known"], true);
  const Json limit = Limit();
  EXPECT_EQ(limit["spent"], "0.0007");
  EXPECT_EQ(limit["held"], "0");
  EXPECT_EQ(spend.body.find(kProviderKey), std::string::npos);
}

// Once forwarded, a call may have cost its provider money: its hold is one
// the engine books in full at its expiry should its capture never come.
TEST_F(LlmGatewayTest, AGatewayHoldIsCapturedInFullShouldItsCaptureNeverCome) {
  auto r = Chat(kCall);
  ASSERT_EQ(r.status, 200) << r.body;
  auto hold = Client(admin_).Get("/v1/holds/" + r.header("stub-hold-id"));
  ASSERT_EQ(hold.status, 200) << hold.body;
  EXPECT_EQ(hold.json()["on_expiry"], "capture");
  EXPECT_EQ(hold.json()["status"], "captured");
  EXPECT_EQ(hold.json()["captured"], "0.0007");
  // A hold made through the API keeps the usual expiry.
  auto plain = Client(agent_).Post(
      "/v1/holds",
      {{"amount", "0.01"}, {"vendor", "api.example.com"}, {"idempotency_key", "plain-1"}});
  ASSERT_EQ(plain.status, 201) << plain.body;
  auto got = Client(admin_).Get("/v1/holds/" + plain.json()["id"].get<std::string>());
  EXPECT_EQ(got.json()["on_expiry"], "expire");
}

TEST_F(LlmGatewayTest, ADeniedCallAnswersInTheProvidersShapeAndReachesNoUpstream) {
  Json big = kCall;
  big["max_tokens"] = 200'000;  // 2.00 of output at most: over the 1.00 limit
  auto r = Chat(big);
  EXPECT_EQ(r.status, 402) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "budget_exceeded");
  EXPECT_EQ(r.json()["error"]["type"], "stub_denied");
  EXPECT_EQ(r.header("stub-reason"), "budget_exceeded");
  EXPECT_EQ(upstream_.requests(), 0);
  // A model without a price, and a call with no bound, never go upstream either.
  Json unknown = kCall;
  unknown["model"] = "m2";
  EXPECT_EQ(Chat(unknown).json()["error"]["code"], "invalid_request");
  EXPECT_EQ(upstream_.requests(), 0);
  // Vendor block lists apply to the provider's host.
  ASSERT_EQ(
      Client(admin_).Put("/v1/policies/acme", {{"vendors", {{"block", {"127.0.0.1"}}}}}).status,
      200);
  auto blocked = Chat(kCall);
  EXPECT_EQ(blocked.status, 402);
  EXPECT_EQ(blocked.json()["error"]["code"], "vendor_blocked");
  EXPECT_EQ(upstream_.requests(), 0);
}

TEST_F(LlmGatewayTest, AnUpstreamErrorVoidsTheHold) {
  upstream_.status = 500;
  auto r = Chat(kCall);
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("upstream broke"), std::string::npos);
  auto hold = Client(admin_).Get("/v1/holds/" + r.header("stub-hold-id"));
  EXPECT_EQ(hold.json()["status"], "voided");
  const Json limit = Limit();
  EXPECT_EQ(limit["spent"], "0");
  EXPECT_EQ(limit["held"], "0");
}

TEST_F(LlmGatewayTest, AStreamPassesThroughAndIsCapturedFromItsUsage) {
  Json call = kCall;
  call["stream"] = true;
  auto r = Chat(call);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"content\":\"Hi\""), std::string::npos);
  EXPECT_NE(r.body.find("data: [DONE]"), std::string::npos);
  EXPECT_TRUE(Json::parse(upstream_.last().body)["stream_options"]["include_usage"]);
  const std::string hold_id = r.header("stub-hold-id");
  Json hold;
  for (int i = 0; i < 200; ++i) {  // captured once the stream has ended
    hold = Client(admin_).Get("/v1/holds/" + hold_id).json();
    if (hold["status"] != "held") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(hold["status"], "captured");
  EXPECT_EQ(hold["captured"], "0.0007");
  auto spend = Client(admin_).Get("/v1/spends/" + hold["spend_id"].get<std::string>());
  EXPECT_EQ(spend.json()["receipt"]["stream"], true);
  EXPECT_EQ(spend.json()["receipt"]["answer_id"], "chatcmpl-1");
}

TEST_F(LlmGatewayTest, AnthropicCallsUseItsKeyHeaderAndCachePricing) {
  auto r = Client().Send("POST", "/llm/an/v1/messages", kCall.dump(),
                         {{"x-api-key", agent_}, {"anthropic-version", "2023-06-01"}});
  ASSERT_EQ(r.status, 200) << r.body;
  // (30 + 10) input × 2.50 + 100 cached × 1.25 + 20 output × 10.00 = 425 micros.
  EXPECT_EQ(r.header("stub-amount"), "0.000425");
  EXPECT_EQ(upstream_.last().Header("x-api-key"), kProviderKey);
  EXPECT_EQ(upstream_.last().Header("authorization"), "");
  // Over budget: Anthropic's error shape.
  Json big = kCall;
  big["max_tokens"] = 200'000;
  auto denied = Client().Send("POST", "/llm/an/v1/messages", big.dump(), {{"x-api-key", agent_}});
  EXPECT_EQ(denied.status, 402);
  EXPECT_EQ(denied.json()["type"], "error");
  EXPECT_EQ(denied.json()["error"]["type"], "budget_exceeded");
}

TEST_F(LlmGatewayTest, ARetryWithTheSameIdempotencyKeyIsNotChargedTwice) {
  auto first = Chat(kCall, {{"Idempotency-Key", "call-1"}});
  ASSERT_EQ(first.status, 200) << first.body;
  auto retry = Chat(kCall, {{"Idempotency-Key", "call-1"}});
  EXPECT_EQ(retry.status, 409);
  EXPECT_EQ(retry.json()["error"]["code"], "idempotent_replay");
  EXPECT_EQ(retry.header("stub-spend-id"), first.header("stub-spend-id"));
  EXPECT_EQ(upstream_.requests(), 1);
  EXPECT_EQ(Limit()["spent"], "0.0007");
  // After a failed attempt (voided), the same key goes through anew.
  upstream_.status = 500;
  EXPECT_EQ(Chat(kCall, {{"Idempotency-Key", "call-2"}}).status, 500);
  upstream_.status = 200;
  auto again = Chat(kCall, {{"Idempotency-Key", "call-2"}});
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(upstream_.requests(), 3);
  EXPECT_EQ(Limit()["spent"], "0.0014");
}

TEST_F(LlmGatewayTest, WrongKeysAreRefusedInTheProvidersShape) {
  auto r = Client().Send("POST", "/llm/oa/v1/chat/completions", kCall.dump(),
                         {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.json()["error"]["code"], "unauthorized");
  auto missing = Client().Send("POST", "/llm/nope/v1/chat/completions", kCall.dump(),
                               {{"Authorization", "Bearer " + agent_}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(upstream_.requests(), 0);
}

// A server with 2 API workers and room for 4 gateway calls at once.
class LlmGatewayLaneTest : public LlmGatewayTest {
 protected:
  // The value of an unlabelled metric of /metrics ("" when absent).
  std::string Metric(const std::string& name) {
    const std::string text = Client().Get("/metrics").body;
    const std::string line = "\n" + name + " ";
    const std::size_t at = text.find(line);
    if (at == std::string::npos) return "";
    const std::size_t from = at + line.size();
    return text.substr(from, text.find('\n', from) - from);
  }

  ServerOptions GatewayOptions() override {
    ServerOptions options = LlmGatewayTest::GatewayOptions();
    options.http.worker_threads = 2;
    options.http.slow_lane_threads = 4;
    return options;
  }
};

// LLM calls take seconds: however many wait on their provider, the API's own
// workers stay free, and a call beyond the gateway's room is refused at once
// (503 overloaded, which the SDKs retry) before it is held or forwarded.
TEST_F(LlmGatewayLaneTest, CallsWaitingOnTheirProviderNeverTakeTheApisWorkers) {
  upstream_.hold_answers = true;
  std::vector<HttpResult> calls(4);
  std::vector<std::thread> agents;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    agents.emplace_back([&, i] { calls[i] = Chat(kCall); });
  }
  while (upstream_.requests() < 4) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // Reads run on the API's workers: more of them than it has, all answered.
  for (int i = 0; i < 3; ++i) {
    const Json limit = Limit();
    EXPECT_EQ(limit["spent"], "0");
    EXPECT_NE(limit["held"], "0");
  }
  EXPECT_EQ(Metric("stub_gateway_calls_in_flight"), "4");
  EXPECT_EQ(Metric("stub_gateway_calls_refused_total"), "0");
  auto fifth = Chat(kCall);
  EXPECT_EQ(fifth.status, 503) << fifth.body;
  EXPECT_EQ(fifth.code(), "overloaded");
  EXPECT_EQ(fifth.header("retry-after"), "1");
  EXPECT_EQ(upstream_.requests(), 4);
  EXPECT_EQ(Metric("stub_gateway_calls_refused_total"), "1");
  upstream_.hold_answers = false;
  for (auto& t : agents) t.join();
  for (const HttpResult& r : calls) {
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("stub-amount"), "0.0007");
  }
  const Json limit = Limit();
  EXPECT_EQ(limit["spent"], "0.0028");
  EXPECT_EQ(limit["held"], "0");
  EXPECT_EQ(Chat(kCall).status, 200);  // the room is free again
  // A slot is given back once its answer is written, just after the client
  // may have read it.
  for (int i = 0; i < 1000 && Metric("stub_gateway_calls_in_flight") != "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(Metric("stub_gateway_calls_in_flight"), "0");
}

class LlmGatewayWithoutSecretTest : public ServerTest {};

TEST_F(LlmGatewayWithoutSecretTest, ProvidersAreRefusedWithAClearMessage) {
  auto admin = Client(CreateOrg("acme"));
  auto put =
      admin.Put("/v1/providers/oa", {{"kind", "openai"},
                                     {"base_url", "https://api.openai.com/v1"},
                                     {"api_key", kProviderKey},
                                     {"models", {{"m1", {{"input", "1"}, {"output", "2"}}}}}});
  EXPECT_EQ(put.status, 409) << put.body;
  EXPECT_EQ(put.code(), "secret_key_missing");
  EXPECT_NE(put.json()["error"]["message"].get<std::string>().find("STUB_SECRET_KEY"),
            std::string::npos);
  EXPECT_EQ(put.body.find(kProviderKey), std::string::npos);
}

}  // namespace
}  // namespace stub::server_testing
