// The optional LLM path for questions: an OpenAI-compatible chat completions
// endpoint is given the question, `now`, the org's names and ONE tool whose
// parameters are the QuerySpec JSON Schema, with the tool call forced. The
// tool call's arguments are parsed strictly (QuerySpecFromJson: unknown keys,
// wrong types or values refused); the query service then checks every name
// against the org's. Anything else — no tool call, bad JSON, an HTTP error,
// a timeout — yields nullopt and the parser answers instead. The model only
// ever fills a QuerySpec: no SQL text comes from it.
//
// The API key is sent only in the Authorization header and never logged.
// Thread-safe: the translator holds only its options.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "engine/query_service.h"

namespace stub {

struct LlmOptions {
  std::string base_url;  // e.g. https://api.openai.com/v1 (http:// for a local endpoint)
  std::string api_key;
  std::string model;
  std::chrono::milliseconds timeout{8'000};  // the whole call
};

// From STUB_LLM_BASE_URL, STUB_LLM_API_KEY and STUB_LLM_MODEL (all three set
// and non-empty), else nullopt.
std::optional<LlmOptions> LlmOptionsFromEnv();

// The chat completions request body for `question` (the tool, the names, now).
nlohmann::json LlmRequestBody(const LlmOptions& options, std::string_view question,
                              const QueryCatalogue& catalogue, Timestamp now);

// The spec in a chat completions response body: the first tool call of the
// first choice, named "query_ledger", with arguments that QuerySpecFromJson
// accepts; else nullopt.
std::optional<QuerySpec> SpecFromLlmResponse(std::string_view body);

QuestionTranslator MakeLlmTranslator(LlmOptions options);

// The query service's options from the environment: the LLM translator when
// LlmOptionsFromEnv() is set, else none.
QueryService::Options QueryServiceOptionsFromEnv();

}  // namespace stub
