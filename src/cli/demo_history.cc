#include "cli/demo_history.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <random>
#include <span>
#include <string_view>
#include <utility>

#include "core/canonical_json.h"
#include "core/money.h"

namespace stub {
namespace {

using Json = nlohmann::json;

constexpr std::uint64_t kSeed = 20261128;
constexpr Timestamp kSecond = kMicrosPerSecond;
constexpr Timestamp kDay = 86'400 * kSecond;
constexpr int kDays = static_cast<int>(kDemoHistoryLength / kDay);
// Sessions start early enough in their day to end inside it (at most 25 calls
// of at most 4 minutes, then a capture), so the last step is before the end.
constexpr Timestamp kLatestSessionStart = kDay - 3 * 3600 * kSecond;

// --- vendors ---------------------------------------------------------------

enum class Provider : std::uint8_t { kOpenAi, kAnthropic, kGoogle };

struct Model {
  Provider provider;
  const char* vendor;
  const char* id;
  Micros input_per_million;  // price per million input tokens
  Micros output_per_million;
};

constexpr Model kGpt4o{Provider::kOpenAi, "api.openai.com", "gpt-4o-2024-08-06", 2'500'000,
                       10'000'000};
constexpr Model kGpt4oMini{Provider::kOpenAi, "api.openai.com", "gpt-4o-mini-2024-07-18", 150'000,
                           600'000};
constexpr Model kO3Mini{Provider::kOpenAi, "api.openai.com", "o3-mini-2025-01-31", 1'100'000,
                        4'400'000};
constexpr Model kSonnet{Provider::kAnthropic, "api.anthropic.com", "claude-sonnet-4-20250514",
                        3'000'000, 15'000'000};
constexpr Model kHaiku{Provider::kAnthropic, "api.anthropic.com", "claude-3-5-haiku-20241022",
                       800'000, 4'000'000};
constexpr Model kGeminiPro{Provider::kGoogle, "generativelanguage.googleapis.com",
                           "gemini-1.5-pro-002", 1'250'000, 5'000'000};
constexpr Model kGeminiFlash{Provider::kGoogle, "generativelanguage.googleapis.com",
                             "gemini-2.0-flash-001", 100'000, 400'000};

// A paid data or search API, paid per call (x402 `exact` payments in USDC).
struct DataApi {
  const char* vendor;
  Micros price;
  const char* resource;  // URL prefix; a subject slug follows
  const char* pay_to;
};

constexpr DataApi kDataCo{"api.dataco.com", 50'000, "https://api.dataco.com/v1/companies/",
                          "0x4b1f0c9e2d7a35f8e6b0c1d2a3f4e5d6c7b8a901"};
constexpr DataApi kCrunchbase{"api.crunchbase.com", 100'000,
                              "https://api.crunchbase.com/api/v4/entities/organizations/",
                              "0x9a8b7c6d5e4f30211203f4e5d6c7b8a9f0e1d2c3"};
constexpr DataApi kPeopleData{"api.peopledatalabs.com", 80'000,
                              "https://api.peopledatalabs.com/v5/company/enrich?name=",
                              "0x1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d"};
constexpr DataApi kExa{"api.exa.ai", 10'000, "https://api.exa.ai/search?q=",
                       "0x7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b"};
constexpr DataApi kBrave{"api.search.brave.com", 5'000,
                         "https://api.search.brave.com/res/v1/web/search?q=",
                         "0x2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e"};
constexpr DataApi kSerp{"serpapi.com", 15'000, "https://serpapi.com/search?q=",
                        "0x5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b"};

enum class ComputeKind : std::uint8_t { kModalA100, kModalH100, kReplicateImages, kE2bSandbox };
enum class SaasKind : std::uint8_t { kBrowserbase, kBuffer, kSendgrid, kTwilio };

// --- the agents' habits ----------------------------------------------------

struct Weights {
  int llm = 0, data = 0, compute = 0, saas = 0;  // relative frequency of each kind of call
};

struct Range {
  int min = 0, max = 0;  // inclusive
};

struct Profile {
  const char* agent = "";
  std::vector<const char*> users;
  std::vector<std::string> intents;
  Range sessions;  // per day
  Range calls;     // per session
  Weights mix;
  std::vector<const Model*> models;
  Range input;           // tokens per LLM call
  Range output;          // tokens per LLM call
  int hold_percent = 0;  // LLM calls made as hold + capture
  std::vector<const DataApi*> data;
  std::vector<ComputeKind> compute;
  std::vector<SaasKind> saas;
};

std::vector<Profile> Profiles() {
  using enum ComputeKind;
  using enum SaasKind;
  return {
      {.agent = "mkt-researcher-1",
       .users = {"alice@acme.com", "bob@acme.com"},
       .intents = {"weekly competitor report", "pricing page teardown: top five competitors",
                   "customer review summary", "SEO keyword research for the launch"},
       .sessions = {1, 2},
       .calls = {2, 5},
       .mix = {.llm = 55, .data = 35, .saas = 10},
       .models = {&kGpt4o, &kGpt4oMini, &kHaiku},
       .input = {5'000, 40'000},
       .output = {200, 1'500},
       .data = {&kDataCo, &kExa, &kBrave},
       .saas = {kBrowserbase}},
      {.agent = "mkt-researcher-2",
       .users = {"bob@acme.com", "mia@acme.com"},
       .intents = {"competitor funding tracker", "webinar attendee enrichment",
                   "market map: AI observability vendors", "analyst report digest"},
       .sessions = {1, 2},
       .calls = {2, 5},
       .mix = {.llm = 50, .data = 40, .saas = 10},
       .models = {&kGpt4o, &kGeminiFlash, &kHaiku},
       .input = {5'000, 40'000},
       .output = {200, 1'200},
       .data = {&kDataCo, &kPeopleData, &kSerp},
       .saas = {kBrowserbase}},
      {.agent = "mkt-writer-1",
       .users = {"mia@acme.com", "alice@acme.com"},
       .intents = {"draft launch blog post", "monthly newsletter draft",
                   "case study: Globex rollout", "landing page copy variants",
                   "hero images for the launch page"},
       .sessions = {1, 2},
       .calls = {2, 4},
       .mix = {.llm = 80, .compute = 20},
       .models = {&kSonnet, &kGpt4o},
       .input = {3'000, 16'000},
       .output = {800, 4'000},
       .hold_percent = 30,
       .compute = {kReplicateImages}},
      {.agent = "mkt-social-1",
       .users = {"bob@acme.com"},
       .intents = {"schedule social posts", "reply suggestions for brand mentions",
                   "weekly engagement recap"},
       .sessions = {1, 2},
       .calls = {1, 3},
       .mix = {.llm = 75, .saas = 25},
       .models = {&kGpt4oMini, &kHaiku},
       .input = {800, 4'000},
       .output = {100, 600},
       .saas = {kBuffer, kSendgrid}},
      {.agent = "res-analyst-1",
       .users = {"carol@acme.com", "dan@acme.com"},
       .intents = {"literature review: retrieval-augmented generation",
                   "benchmark eval: long-context models", "summarize arXiv papers on agent memory",
                   "EU market sizing: agent tooling"},
       .sessions = {1, 2},
       .calls = {2, 5},
       .mix = {.llm = 75, .data = 25},
       .models = {&kSonnet, &kGeminiPro, &kO3Mini},
       .input = {20'000, 150'000},
       .output = {800, 4'000},
       .hold_percent = 60,
       .data = {&kExa, &kSerp}},
      {.agent = "res-analyst-2",
       .users = {"dan@acme.com", "priya@acme.com", "carol@acme.com"},
       .intents = {"patent landscape: battery recycling", "earnings call digest",
                   "survey coding: customer interviews", "eval run: support bot answers"},
       .sessions = {1, 2},
       .calls = {2, 5},
       .mix = {.llm = 80, .data = 20},
       .models = {&kGeminiPro, &kSonnet, &kGpt4o},
       .input = {20'000, 150'000},
       .output = {600, 3'000},
       .hold_percent = 50,
       .data = {&kExa, &kBrave}},
      {.agent = "res-scout-1",
       .users = {"priya@acme.com"},
       .intents = {"enrich prospect list", "company watchlist refresh", "funding round tracker",
                   "board member lookup"},
       .sessions = {1, 2},
       .calls = {3, 7},
       .mix = {.llm = 10, .data = 80, .saas = 10},
       .models = {&kGeminiFlash},
       .input = {1'000, 6'000},
       .output = {100, 500},
       .data = {&kDataCo, &kCrunchbase, &kPeopleData, &kSerp},
       .saas = {kBrowserbase}},
      {.agent = "eng-copilot-1",
       .users = {"erin@acme.com", "frank@acme.com"},
       .intents = {"implement rate limiter for the public API",
                   "generate unit tests for the billing module",
                   "refactor: logging library migration", "fix flaky integration test"},
       .sessions = {1, 2},
       .calls = {3, 8},
       .mix = {.llm = 92, .compute = 8},
       .models = {&kSonnet, &kGpt4o, &kO3Mini},
       .input = {20'000, 120'000},
       .output = {1'000, 6'000},
       .hold_percent = 80,
       .compute = {kE2bSandbox}},
      {.agent = "eng-copilot-2",
       .users = {"grace@acme.com", "frank@acme.com"},
       .intents = {"port the CLI to the new config format", "upgrade third-party dependencies",
                   "write the orders table migration", "investigate memory leak in the worker"},
       .sessions = {1, 2},
       .calls = {3, 8},
       .mix = {.llm = 92, .compute = 8},
       .models = {&kSonnet, &kGpt4o},
       .input = {20'000, 120'000},
       .output = {1'000, 6'000},
       .hold_percent = 80,
       .compute = {kE2bSandbox}},
      {.agent = "eng-reviewer-1",
       .users = {"erin@acme.com", "grace@acme.com", "frank@acme.com"},
       .intents = {"code review: pull request", "security review: auth changes",
                   "release notes from merged pull requests"},
       .sessions = {1, 2},
       .calls = {1, 4},
       .mix = {.llm = 100},
       .models = {&kSonnet, &kGpt4oMini},
       .input = {10'000, 60'000},
       .output = {300, 2'000},
       .hold_percent = 50},
      {.agent = "plat-ci-bot-1",
       .users = {"ci@acme.com"},
       .intents = {"triage failing CI job", "summarize nightly test failures", "bisect flaky test"},
       .sessions = {2, 4},
       .calls = {1, 3},
       .mix = {.llm = 70, .compute = 30},
       .models = {&kSonnet, &kGpt4o, &kHaiku},
       .input = {20'000, 100'000},
       .output = {200, 1'500},
       .compute = {kE2bSandbox}},
      {.agent = "plat-batch-1",
       .users = {"heidi@acme.com"},
       .intents = {"nightly embedding refresh", "fine-tune eval sweep",
                   "batch transcription backlog"},
       .sessions = {1, 1},
       .calls = {1, 2},
       .mix = {.llm = 15, .compute = 85},
       .models = {&kGeminiFlash},
       .input = {2'000, 10'000},
       .output = {200, 1'000},
       .compute = {kModalA100, kModalH100}},
  };
}

// --- the generator ---------------------------------------------------------

// A deterministic source of choices. mt19937_64's output sequence is fixed by
// the standard; the standard distributions are not, so they are not used.
class Dice {
 public:
  explicit Dice(std::uint64_t seed) : rng_(seed) {}
  std::uint64_t Below(std::uint64_t n) { return rng_() % n; }
  int Between(int lo, int hi) {  // inclusive
    return lo + static_cast<int>(Below(static_cast<std::uint64_t>(hi - lo + 1)));
  }
  bool Percent(int p) { return static_cast<int>(Below(100)) < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(v.size())];
  }
  std::string Hex(int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(static_cast<std::size_t>(digits));
    for (int i = 0; i < digits; ++i) out.push_back(kHex[Below(16)]);
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

// `n` in decimal, zero-padded to at least `width` digits.
std::string Padded(std::size_t n, std::size_t width) {
  std::string digits = std::to_string(n);
  return digits.size() >= width ? digits : std::string(width - digits.size(), '0') + digits;
}

Micros CeilDiv(Micros a, Micros b) { return (a + b - 1) / b; }

std::string Slug(std::string_view text) {
  std::string out;
  for (char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    } else if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

constexpr std::array<const char*, 16> kCompanies = {
    "globex",        "initech",         "umbrella-labs",   "hooli",
    "stark-cloud",   "wayne-analytics", "tyrell-ai",       "cyberdyne",
    "soylent-foods", "wonka-retail",    "massive-dynamic", "aperture-data",
    "vandelay-io",   "pied-piper",      "dunder-paper",    "oscorp-bio"};

// The x402 settlement of a per-call data API payment.
Json X402(Dice& dice, const DataApi& api, std::string_view payer) {
  return Json{{"success", true},
              {"scheme", "exact"},
              {"network", "base"},
              {"asset", "USDC"},
              {"amount", std::to_string(api.price)},  // USDC atomic units (6 decimals)
              {"pay_to", api.pay_to},
              {"payer", payer},
              {"transaction", "0x" + dice.Hex(64)}};
}

struct Call {
  std::string vendor;
  std::string category;
  Micros amount = 0;
  Json receipt;
  Micros hold_amount = 0;  // > 0: made as a hold of this much, then captured
};

class Builder {
 public:
  Builder() : dice_(kSeed) {}

  Result<std::vector<DemoStep>> Build() {
    const std::vector<Profile> profiles = Profiles();
    for (int day = 0; day < kDays; ++day) {
      for (const Profile& p : profiles) {
        const int sessions = dice_.Between(p.sessions.min, p.sessions.max);
        for (int s = 0; s < sessions; ++s) Session(p, day);
      }
      Specials(day);
    }
    for (DemoStep& step : steps_) {
      if (!pending_error_.ok()) break;
      Canonicalize(step);
    }
    STUB_RETURN_IF_ERROR(pending_error_);
    return Sorted();
  }

 private:
  std::string NextSession() { return "sess-" + Padded(++sessions_, 4); }
  std::string NextKey() { return "demo-seed-" + Padded(steps_.size() + 1, 5); }

  // One working session of an agent: a user, an intent, a few calls.
  void Session(const Profile& p, int day) {
    const std::string session = NextSession();
    const std::string user = dice_.Pick(p.users);
    std::string intent = dice_.Pick(p.intents);
    if (intent == "code review: pull request") {
      intent = "code review: pull request #" + std::to_string(dice_.Between(4100, 4999));
    }
    Timestamp at = day * kDay + static_cast<Timestamp>(dice_.Below(
                                    static_cast<std::uint64_t>(kLatestSessionStart / kSecond))) *
                                    kSecond;
    const int calls = dice_.Between(p.calls.min, p.calls.max);
    for (int c = 0; c < calls; ++c) {
      at += dice_.Between(20, 240) * kSecond;
      const Call call = MakeCall(p, intent);
      Add(p.agent, user, session, intent, at, call);
    }
  }

  // Appends the steps of one call: a spend, or a hold and its resolution.
  void Add(const std::string& agent, const std::string& user, const std::string& session,
           const std::string& intent, Timestamp at, const Call& call) {
    DemoStep step;
    step.at = at;
    step.request.agent = agent;
    step.request.vendor = call.vendor;
    step.request.category = call.category;
    step.request.session = session;
    step.request.user = user;
    step.request.intent = intent;
    step.request.idempotency_key = NextKey();
    if (call.hold_amount == 0) {
      step.kind = DemoStepKind::kSpend;
      step.request.amount = call.amount;
      step.request.receipt = call.receipt.dump();
      steps_.push_back(std::move(step));
      return;
    }
    step.kind = DemoStepKind::kHold;
    step.request.amount = call.hold_amount;
    steps_.push_back(std::move(step));
    const std::size_t hold = steps_.size() - 1;
    const int fate = dice_.Between(1, 100);
    if (fate <= 3) return;  // abandoned: the agent crashed; the hold expires
    DemoStep resolve;
    resolve.at = at + dice_.Between(3, 90) * kSecond;
    resolve.hold_step = hold;
    if (fate <= 11) {
      resolve.kind = DemoStepKind::kVoid;  // the user cancelled the generation
    } else {
      resolve.kind = DemoStepKind::kCapture;
      resolve.capture_amount = std::min(call.amount, call.hold_amount);
      resolve.capture_receipt = call.receipt.dump();
    }
    steps_.push_back(std::move(resolve));
  }

  Call MakeCall(const Profile& p, const std::string& intent) {
    const Weights& w = p.mix;
    const int roll = dice_.Between(1, w.llm + w.data + w.compute + w.saas);
    if (roll <= w.llm) return Llm(p);
    if (roll <= w.llm + w.data) return Data(p, intent);
    if (roll <= w.llm + w.data + w.compute) return Compute(dice_.Pick(p.compute));
    return Saas(dice_.Pick(p.saas));
  }

  Call Llm(const Profile& p) {
    const Model& m = *dice_.Pick(p.models);
    const int input = dice_.Between(p.input.min, p.input.max);
    const int output = dice_.Between(p.output.min, p.output.max);
    return LlmCall(m, input, output, dice_.Percent(p.hold_percent));
  }

  Call LlmCall(const Model& m, int input, int output, bool as_hold) {
    Call call;
    call.vendor = m.vendor;
    call.category = "llm";
    call.amount = std::max<Micros>(
        1, CeilDiv(Micros{input} * m.input_per_million + Micros{output} * m.output_per_million,
                   1'000'000));
    const Json total = input + output;
    switch (m.provider) {
      case Provider::kOpenAi:
        call.receipt = Json{
            {"id", "chatcmpl-" + dice_.Hex(24)},
            {"object", "chat.completion"},
            {"model", m.id},
            {"usage",
             {{"prompt_tokens", input}, {"completion_tokens", output}, {"total_tokens", total}}}};
        break;
      case Provider::kAnthropic:
        call.receipt = Json{{"id", "msg_" + dice_.Hex(24)},
                            {"type", "message"},
                            {"model", m.id},
                            {"usage", {{"input_tokens", input}, {"output_tokens", output}}}};
        break;
      case Provider::kGoogle:
        call.receipt = Json{{"responseId", dice_.Hex(22)},
                            {"modelVersion", m.id},
                            {"usageMetadata",
                             {{"promptTokenCount", input},
                              {"candidatesTokenCount", output},
                              {"totalTokenCount", total}}}};
        break;
    }
    call.receipt["price_usd"] = FormatAmount(call.amount);
    if (as_hold) {
      // Reserve what the call could cost at its max_tokens, in 5-cent steps.
      const Micros worst = CeilDiv(
          Micros{input} * m.input_per_million + Micros{8'000} * m.output_per_million, 1'000'000);
      call.hold_amount = CeilDiv(worst, 50'000) * 50'000;
    }
    return call;
  }

  Call Data(const Profile& p, const std::string& intent) {
    const DataApi& api = *dice_.Pick(p.data);
    Call call;
    call.vendor = api.vendor;
    call.category = "data";
    call.amount = api.price;
    const std::string_view resource(api.resource);
    const bool search = resource.find("q=") != std::string_view::npos;
    const std::string subject = search ? Slug(intent) : kCompanies[dice_.Below(kCompanies.size())];
    call.receipt = Json{{"request_id", "req_" + dice_.Hex(20)},
                        {"resource", std::string(resource) + subject},
                        {"x402", X402(dice_, api, TeamWallet(p.agent))}};
    return call;
  }

  static std::string TeamWallet(std::string_view agent) {
    if (agent.starts_with("mkt-")) return "0xa11ce5c0ffee00000000000000000000000000a1";
    if (agent.starts_with("res-")) return "0xc0a1e5ce00000000000000000000000000000c02";
    return "0xe4e40000000000000000000000000000000000e3";
  }

  Call Compute(ComputeKind kind) {
    Call call;
    call.category = "compute";
    switch (kind) {
      case ComputeKind::kModalA100:
      case ComputeKind::kModalH100: {
        const bool h100 = kind == ComputeKind::kModalH100;
        const int seconds = h100 ? dice_.Between(900, 5'400) : dice_.Between(600, 3'600);
        const Micros rate = h100 ? 1'528 : 1'036;  // per GPU-second
        call.vendor = "modal.com";
        call.amount = seconds * rate;
        call.receipt = Json{{"provider", "modal"},
                            {"app", h100 ? "finetune-eval" : "embeddings-batch"},
                            {"function_call_id", "fc-" + dice_.Hex(26)},
                            {"gpu", h100 ? "H100" : "A100-40GB"},
                            {"gpu_seconds", seconds},
                            {"rate_usd_per_second", FormatAmount(rate)}};
        break;
      }
      case ComputeKind::kReplicateImages: {
        const int images = dice_.Between(1, 8);
        call.vendor = "replicate.com";
        call.amount = images * 3'000;
        call.receipt = Json{{"id", dice_.Hex(26)},
                            {"model", "black-forest-labs/flux-schnell"},
                            {"status", "succeeded"},
                            {"images", images},
                            {"metrics", {{"predict_time_ms", dice_.Between(900, 4'000)}}}};
        break;
      }
      case ComputeKind::kE2bSandbox: {
        const int seconds = dice_.Between(60, 1'800);
        call.vendor = "api.e2b.dev";
        call.amount = seconds * 28;
        call.receipt = Json{{"sandbox_id", "sbx_" + dice_.Hex(20)},
                            {"template", "code-interpreter-v1"},
                            {"cpu_count", 2},
                            {"seconds", seconds}};
        break;
      }
    }
    return call;
  }

  Call Saas(SaasKind kind) {
    Call call;
    call.category = "saas";
    switch (kind) {
      case SaasKind::kBrowserbase: {
        const int minutes = dice_.Between(3, 45);
        call.vendor = "api.browserbase.com";
        call.amount = minutes * 1'650;
        call.receipt = Json{{"session_id", dice_.Hex(8) + "-" + dice_.Hex(4) + "-" + dice_.Hex(12)},
                            {"browser_minutes", minutes},
                            {"proxy", minutes > 20}};
        break;
      }
      case SaasKind::kBuffer: {
        const int posts = dice_.Between(1, 6);
        call.vendor = "api.bufferapp.com";
        call.amount = posts * 20'000;
        call.receipt = Json{{"update_ids", posts}, {"profile", "acme-corp"}, {"plan", "team"}};
        break;
      }
      case SaasKind::kSendgrid: {
        const int emails = dice_.Between(20, 400);
        call.vendor = "api.sendgrid.com";
        call.amount = emails * 900;
        call.receipt = Json{{"batch_id", dice_.Hex(32)}, {"emails", emails}};
        break;
      }
      case SaasKind::kTwilio: {
        const int messages = dice_.Between(1, 20);
        call.vendor = "api.twilio.com";
        call.amount = messages * 7'900;
        call.receipt = Json{{"sid", "SM" + dice_.Hex(32)}, {"segments", messages}};
        break;
      }
    }
    return call;
  }

  // Days with something unusual: a launch week, a runaway loop.
  void Specials(int day) {
    if (day >= 21 && day <= 24) {
      // Launch week: both market researchers run a deep competitor teardown
      // every day, within their own daily limits; together they run into the
      // marketing team's weekly limit.
      for (const char* agent : {"mkt-researcher-1", "mkt-researcher-2"}) {
        const std::string session = NextSession();
        const std::string user = day % 2 == 0 ? "alice@acme.com" : "bob@acme.com";
        Timestamp at = day * kDay + 14 * 3600 * kSecond;
        for (int i = 0; i < 10; ++i) {
          at += dice_.Between(60, 300) * kSecond;
          Add(agent, user, session, "launch week: competitor teardown", at,
              LlmCall(kGpt4o, dice_.Between(38'000, 42'000), dice_.Between(4'500, 5'500), false));
        }
      }
    }
    if (day == 17) {
      // The social scheduler's runaway retry loop: the same long post
      // regenerated every minute; its daily limit refuses all but the first.
      const std::string session = NextSession();
      Timestamp at = day * kDay + 9 * 3600 * kSecond;
      for (int i = 0; i < 40; ++i) {
        at += 60 * kSecond;
        Add("mkt-social-1", "bob@acme.com", session, "post scheduler retry loop", at,
            LlmCall(kGpt4o, 80'000, 10'000, false));
      }
    }
  }

  void Canonicalize(DemoStep& step) {
    std::string* text =
        step.kind == DemoStepKind::kCapture ? &step.capture_receipt : &step.request.receipt;
    if (text->empty()) return;
    auto canonical = CanonicalizeReceipt(*text);
    if (!canonical.ok()) {
      pending_error_ =
          Internal("demo receipt is not canonical JSON: " + canonical.status().message());
      return;
    }
    *text = std::move(*canonical);
  }

  // Orders the steps by time (stable), remapping capture/void hold indexes.
  std::vector<DemoStep> Sorted() {
    std::vector<std::size_t> order(steps_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return steps_[a].at < steps_[b].at; });
    std::vector<std::size_t> position(steps_.size());
    for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
    std::vector<DemoStep> sorted;
    sorted.reserve(steps_.size());
    for (std::size_t i : order) {
      DemoStep step = std::move(steps_[i]);
      if (step.kind == DemoStepKind::kCapture || step.kind == DemoStepKind::kVoid) {
        step.hold_step = position[step.hold_step];
      }
      sorted.push_back(std::move(step));
    }
    return sorted;
  }

  Dice dice_;
  std::vector<DemoStep> steps_;
  std::size_t sessions_ = 0;
  Status pending_error_;
};

}  // namespace

Result<std::vector<DemoStep>> DemoHistory() { return Builder().Build(); }

}  // namespace stub
