// The LLM path against a local OpenAI-compatible endpoint serving recorded
// chat completions responses (real HTTP over loopback): the request carries
// one tool whose parameters are the QuerySpec JSON Schema; a valid tool call
// is used; anything else — extra fields, unknown names, no tool call, HTTP
// errors, a slow or absent endpoint — falls back to the parser.
#include "server/llm_translator.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/memory/memory_store.h"

namespace stub {
namespace {

using Json = nlohmann::json;

// Recorded responses (the shape api.openai.com returns for a forced tool call).
std::string ToolCallResponse(const std::string& arguments) {
  return Json{{"id", "chatcmpl-AbC123"},
              {"object", "chat.completion"},
              {"created", 1795878000},
              {"model", "gpt-4o-2024-08-06"},
              {"choices",
               {{{"index", 0},
                 {"message",
                  {{"role", "assistant"},
                   {"content", nullptr},
                   {"tool_calls",
                    {{{"id", "call_9xYz"},
                      {"type", "function"},
                      {"function", {{"name", "query_ledger"}, {"arguments", arguments}}}}}}}},
                 {"finish_reason", "stop"}}}},
              {"usage", {{"prompt_tokens", 812}, {"completion_tokens", 41}, {"total_tokens", 853}}}}
      .dump();
}

const char* kTextResponse =
    R"({"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":)"
    R"({"role":"assistant","content":"Marketing spent about $5."},"finish_reason":"stop"}]})";

struct Reply {
  int status = 200;
  std::string body;
  int delay_ms = 0;
};

struct Seen {
  std::string head;
  std::string body;
};

// A one-thread HTTP/1.1 endpoint on loopback answering each connection with
// the next reply (the last one repeats), recording what it was sent.
class RecordedEndpoint {
 public:
  explicit RecordedEndpoint(std::vector<Reply> replies) : replies_(std::move(replies)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RecordedEndpoint() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void Serve() {
    std::size_t next = 0;
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string in;
      char buf[4096];
      std::size_t need = std::string::npos;
      while (need == std::string::npos || in.size() < need) {
        const ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
        const std::size_t end = in.find("\r\n\r\n");
        if (end != std::string::npos && need == std::string::npos) {
          std::string head = in.substr(0, end);
          std::size_t length = 0;
          for (std::string key : {"Content-Length: ", "content-length: "}) {
            const std::size_t at = head.find(key);
            if (at != std::string::npos) length = std::stoul(head.substr(at + key.size()));
          }
          need = end + 4 + length;
        }
      }
      const std::size_t end = in.find("\r\n\r\n");
      {
        std::lock_guard lock(mu_);
        seen_.push_back({in.substr(0, end), end == std::string::npos ? "" : in.substr(end + 4)});
      }
      const Reply& r = replies_[std::min(next++, replies_.size() - 1)];
      if (r.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(r.delay_ms));
      const std::string out = "HTTP/1.1 " + std::to_string(r.status) +
                              " X\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(r.body.size()) + "\r\nConnection: close\r\n\r\n" +
                              r.body;
      (void)!::write(c, out.data(), out.size());
      ::close(c);
    }
  }

  std::vector<Reply> replies_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<Seen> seen_;
};

const Timestamp kNow = MakeTimestamp(2026, 11, 28, 15);

// An org with one team, one agent and one spend.
void Seed(Store& store) {
  auto w = store.Begin();
  ASSERT_TRUE(w.ok());
  OrgRow org;
  org.id = "acme";
  org.name = "Acme";
  ASSERT_TRUE((*w)->PutOrg(org).ok());
  for (auto [id, kind, parent] :
       {std::tuple{"acme", NodeKind::kOrg, ""}, std::tuple{"marketing", NodeKind::kTeam, "acme"},
        std::tuple{"mkt-1", NodeKind::kAgent, "marketing"}}) {
    NodeRow n;
    n.node.id = id;
    n.node.kind = kind;
    n.node.parent = parent;
    n.node.name = id;
    ASSERT_TRUE((*w)->PutNode("acme", n).ok());
  }
  Entry e;
  e.org = "acme";
  e.seq = 1;
  e.kind = EntryKind::kSpend;
  e.created_at = kNow - 3'600'000'000LL;
  e.budget_at = e.created_at;
  e.ref = "sp_1";
  e.agent = "mkt-1";
  e.path = {"mkt-1", "marketing", "acme"};
  e.vendor = "api.openai.com";
  e.category = "llm";
  e.amount = 1'500'000;
  ASSERT_TRUE(BuildLines(e).ok());
  ASSERT_TRUE((*w)->AppendEntry(e).ok());
  ASSERT_TRUE((*w)->Commit().ok());
}

class LlmTranslatorTest : public ::testing::Test {
 protected:
  void SetUp() override { Seed(store_); }

  Result<QueryAnswer> Ask(RecordedEndpoint& endpoint, const std::string& question,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    QueryService::Options o;
    o.translator = MakeLlmTranslator(
        {.base_url = endpoint.url(), .api_key = "sk-test", .model = "gpt-4o", .timeout = timeout});
    QueryService service(store_, o);
    return service.Ask("acme", question, kNow);
  }

  MemoryStore store_;
};

TEST_F(LlmTranslatorTest, AValidToolCallIsTheInterpretation) {
  RecordedEndpoint endpoint(
      {{200, ToolCallResponse(R"({"teams":["marketing"],"measure":"count"})")}});
  auto a = Ask(endpoint, "how many times did marketing buy something?");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->interpreted_by, "llm");
  EXPECT_EQ(a->result.spec, (QuerySpec{.measure = QueryMeasure::kCount, .teams = {"marketing"}}));
  EXPECT_EQ(a->result.overall.count, 1);
  // What the endpoint was sent: one forced tool with the QuerySpec schema,
  // the org's names and now; the key in the Authorization header only.
  const auto seen = endpoint.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].head.starts_with("POST /v1/chat/completions HTTP/1.1")) << seen[0].head;
  EXPECT_NE(seen[0].head.find("Bearer sk-test"), std::string::npos);
  const Json body = Json::parse(seen[0].body);
  EXPECT_EQ(body["model"], "gpt-4o");
  ASSERT_EQ(body["tools"].size(), 1u);
  EXPECT_EQ(body["tools"][0]["function"]["name"], "query_ledger");
  EXPECT_EQ(body["tools"][0]["function"]["parameters"], QuerySpecJsonSchema());
  EXPECT_EQ(body["tool_choice"]["function"]["name"], "query_ledger");
  EXPECT_EQ(body["messages"][1]["content"], "how many times did marketing buy something?");
  const std::string system = body["messages"][0]["content"];
  EXPECT_NE(system.find("2026-11-28T15:00:00Z"), std::string::npos);
  EXPECT_NE(system.find("\"marketing\""), std::string::npos);
  EXPECT_EQ(seen[0].body.find("sk-test"), std::string::npos);
}

TEST_F(LlmTranslatorTest, AnythingElseFallsBackToTheParser) {
  const std::string question = "how much did marketing spend?";
  const std::vector<std::pair<std::string, Reply>> cases = {
      {"an extra field",
       {200, ToolCallResponse(R"({"teams":["marketing"],"sql":"DROP TABLE x"})")}},
      {"a wrong type", {200, ToolCallResponse(R"({"teams":"marketing"})")}},
      {"arguments not JSON", {200, ToolCallResponse("{teams: marketing")}},
      {"a name not in the org", {200, ToolCallResponse(R"({"teams":["sales"]})")}},
      {"no tool call", {200, kTextResponse}},
      {"an HTTP error", {500, R"({"error":{"message":"overloaded"}})"}},
      {"not JSON", {200, "<html>gateway</html>"}},
  };
  for (const auto& [what, reply] : cases) {
    SCOPED_TRACE(what);
    RecordedEndpoint endpoint({reply});
    auto a = Ask(endpoint, question);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(a->interpreted_by, "parser");
    EXPECT_EQ(a->result.spec, QuerySpec{.teams = {"marketing"}});
    EXPECT_EQ(a->result.overall.total, 1'500'000);
    EXPECT_EQ(endpoint.seen().size(), 1u);
  }
}

TEST_F(LlmTranslatorTest, ASlowOrAbsentEndpointFallsBackWithinTheTimeout) {
  {
    RecordedEndpoint endpoint({{200, ToolCallResponse(R"({"teams":["marketing"]})"), 2000}});
    const auto start = std::chrono::steady_clock::now();
    auto a = Ask(endpoint, "how much did marketing spend?", std::chrono::milliseconds(200));
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(a->interpreted_by, "parser");
    EXPECT_LT(took, std::chrono::milliseconds(1500));
  }
  // Nothing listening: a port that was just closed.
  std::string url;
  {
    RecordedEndpoint gone({{200, ""}});
    url = gone.url();
  }
  QueryService::Options o;
  o.translator = MakeLlmTranslator({.base_url = url, .api_key = "k", .model = "m"});
  QueryService service(store_, o);
  auto a = service.Ask("acme", "how much did marketing spend?", kNow);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->interpreted_by, "parser");
}

TEST(LlmOptionsTest, TheResponseParserIsStrict) {
  EXPECT_TRUE(SpecFromLlmResponse(ToolCallResponse(R"({"group_by":"vendor","limit":5})")));
  EXPECT_FALSE(SpecFromLlmResponse(ToolCallResponse(R"({"limit":0})")));
  EXPECT_FALSE(SpecFromLlmResponse(ToolCallResponse(R"({"group_by":"reason"})")));
  EXPECT_FALSE(SpecFromLlmResponse("[]"));
  EXPECT_FALSE(SpecFromLlmResponse(""));
  std::string other = ToolCallResponse("{}");
  other.replace(other.find("query_ledger"), 12, "run_sql_text");
  EXPECT_FALSE(SpecFromLlmResponse(other));
}

}  // namespace
}  // namespace stub
