// core/provider_config.h: an org's LLM provider as an admin puts it, shown
// without its secret.
#include "core/provider_config.h"

#include <gtest/gtest.h>

#include <string>

namespace stub {
namespace {

using Json = nlohmann::json;

Json Body() {
  return Json::parse(R"({"kind": "openai", "base_url": "https://API.OpenAI.com/v1/",
    "api_key": "sk-live-secret",
    "models": {"gpt-4o": {"input": "2.50", "output": "10", "cached_input": "1.25",
                          "max_output_tokens": 16384},
               "gpt-4o-mini": {"input": "0.15", "output": "0.60"}}})");
}

TEST(ProviderConfig, ParsesPricesPerMillionTokensAndTheVendorHost) {
  auto p = ProviderFromJson("openai", Body());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->kind, ProviderKind::kOpenAi);
  EXPECT_EQ(p->base_url, "https://API.OpenAI.com/v1");  // trailing '/' dropped
  EXPECT_EQ(p->vendor, "api.openai.com");
  EXPECT_EQ(p->api_key, "sk-live-secret");
  EXPECT_EQ(p->default_category, "llm");
  ASSERT_EQ(p->models.size(), 2u);
  EXPECT_EQ(p->models.at("gpt-4o"), (ModelPrice{.input = 2'500'000,
                                                .output = 10'000'000,
                                                .cached_input = 1'250'000,
                                                .max_output_tokens = 16384}));
  EXPECT_EQ(p->models.at("gpt-4o-mini"), (ModelPrice{.input = 150'000, .output = 600'000}));
}

TEST(ProviderConfig, ShownWithoutItsSecret) {
  const ProviderConfig p = ProviderFromJson("openai", Body()).value();
  const Json shown = ProviderToJson(p);
  EXPECT_FALSE(shown.contains("api_key"));
  EXPECT_EQ(shown.dump().find("sk-live"), std::string::npos);
  EXPECT_EQ(shown.at("models").at("gpt-4o").at("input"), "2.5");
  EXPECT_EQ(shown.at("models").at("gpt-4o-mini").contains("cached_input"), false);
  EXPECT_EQ(shown.at("vendor"), "api.openai.com");
  EXPECT_EQ(shown.at("kind"), "openai");
}

TEST(ProviderConfig, RefusesWhatCannotBeRight) {
  auto reason = [](std::string_view name, const Json& body) {
    auto p = ProviderFromJson(name, body);
    return p.ok() ? std::string("ok") : p.status().reason();
  };
  EXPECT_EQ(reason("Open AI", Body()), "invalid_request");
  EXPECT_EQ(reason("-x", Body()), "invalid_request");
  EXPECT_EQ(reason(std::string(65, 'a'), Body()), "invalid_request");
  auto with = [](const char* field, Json value) {
    Json b = Body();
    b[field] = std::move(value);
    return b;
  };
  EXPECT_EQ(reason("p", with("kind", "azure")), "invalid_request");
  EXPECT_EQ(reason("p", with("base_url", "ftp://x.example")), "invalid_request");
  EXPECT_EQ(reason("p", with("base_url", "https://user:pw@x.example/v1")), "invalid_request");
  EXPECT_EQ(reason("p", with("base_url", "https://x.example/v1?key=1")), "invalid_request");
  EXPECT_EQ(reason("p", with("base_url", "https:///v1")), "invalid_request");
  EXPECT_EQ(reason("p", with("api_key", "")), "invalid_request");
  EXPECT_EQ(reason("p", with("api_key", std::string(5000, 'k'))), "invalid_request");
  EXPECT_EQ(reason("p", with("models", Json::object())), "invalid_request");
  EXPECT_EQ(reason("p", with("models", Json{{"m", {{"input", 2.5}, {"output", "1"}}}})),
            "invalid_amount");
  EXPECT_EQ(reason("p", with("models", Json{{"m", {{"input", "1"}}}})), "invalid_request");
  EXPECT_EQ(
      reason("p", with("models",
                       Json{{"m", {{"input", "1"}, {"output", "1"}, {"max_output_tokens", 0}}}})),
      "invalid_request");
  EXPECT_EQ(reason("p", with("surprise", 1)), "invalid_request");
  Json no_key = Body();
  no_key.erase("api_key");
  EXPECT_EQ(reason("p", no_key), "invalid_request");
  // Free models are fine.
  EXPECT_EQ(reason("p", with("models", Json{{"m", {{"input", "0"}, {"output", "0"}}}})), "ok");
}

TEST(ProviderConfig, AnthropicKindAndItsOwnCategory) {
  Json b = Body();
  b["kind"] = "anthropic";
  b["base_url"] = "http://127.0.0.1:9999";
  b["default_category"] = "llm-claude";
  auto p = ProviderFromJson("claude", b);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->kind, ProviderKind::kAnthropic);
  EXPECT_EQ(p->vendor, "127.0.0.1");
  EXPECT_EQ(p->default_category, "llm-claude");
}

}  // namespace
}  // namespace stub
