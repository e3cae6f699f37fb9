// An org's LLM provider for the metering gateway (issue 21), as an admin puts
// it (PUT /v1/providers/{name}):
//
//   {"kind": "openai" | "anthropic",
//    "base_url": "https://api.openai.com/v1",
//    "api_key": "sk-…",
//    "models": {"gpt-4o": {"input": "2.50", "output": "10.00",
//                          "cached_input": "1.25", "max_output_tokens": 16384}},
//    "default_category": "llm"}
//
// Prices are money per 1,000,000 tokens (core/llm_price.h). The api_key is
// write-only: ProviderToJson never renders it, and it is kept sealed at rest
// (core/secret_box.h) by the layer that stores it.
//
// Pure; thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/llm_price.h"
#include "core/status.h"
#include "core/time_util.h"

namespace stub {

enum class ProviderKind { kOpenAi, kAnthropic };

std::string_view ProviderKindName(ProviderKind kind);

inline constexpr std::size_t kMaxProviderModels = 1000;
inline constexpr std::size_t kMaxProviderApiKeyBytes = 4096;
inline constexpr std::size_t kMaxBaseUrlBytes = 2048;

struct ProviderConfig {
  std::string name;  // the path segment /llm/{name}/…
  ProviderKind kind = ProviderKind::kOpenAi;
  // http(s)://host[:port][/path], no query, fragment or userinfo, no
  // trailing '/': the gateway appends the API's path ("/chat/completions").
  std::string base_url;
  std::string api_key;  // the upstream secret, in the clear only in memory
  std::map<std::string, ModelPrice, std::less<>> models;
  std::string default_category = "llm";
  // The vendor its calls are held and booked under: base_url's host
  // (core/vendor.h), so vendor allow and block lists apply to providers.
  std::string vendor;
  friend bool operator==(const ProviderConfig&, const ProviderConfig&) = default;
};

// A provider as stored (the providers table): its settings without the
// secret, and the secret sealed (core/secret_box.h) under the server's key.
struct ProviderRow {
  std::string org;
  std::string name;
  std::string config;      // ProviderSettingsJson's text: no api_key
  std::string sealed_key;  // SealSecret(server key, api_key, ProviderKeyContext(org, name))
  Timestamp updated_at = 0;
  friend bool operator==(const ProviderRow&, const ProviderRow&) = default;
};

inline constexpr std::size_t kMaxProvidersPerOrg = 100;

// Whether `name` may name a provider: 1–64 of [a-z0-9_-], starting with a
// letter or digit.
bool IsProviderName(std::string_view name);

// Parses a PUT body for provider `name`. Errors: kInvalidArgument
// "invalid_request" (unknown or missing field, bad name, kind, URL, model
// name, token count, or a secret over kMaxProviderApiKeyBytes) or
// "invalid_amount" (a price that is not a decimal string).
Result<ProviderConfig> ProviderFromJson(std::string_view name, const nlohmann::json& body);

// The provider as GET /v1/providers shows it: every field but api_key, and
// "vendor".
nlohmann::json ProviderToJson(const ProviderConfig& provider);

// The PUT body's fields but api_key ({"kind","base_url","models",
// "default_category"}): what the store keeps in the clear.
// ProviderFromJson(name, settings + {"api_key": key}) gives back the config.
nlohmann::json ProviderSettingsJson(const ProviderConfig& provider);

// The AEAD context a provider's sealed key is bound to, so a sealed key
// copied to another org's or provider's row does not open.
std::string ProviderKeyContext(std::string_view org, std::string_view name);

}  // namespace stub
