// What the metering gateway (issue 21) reads from an LLM call, pure: which
// API a path names, the model, whether it streams, the most it can cost in
// tokens, and the usage the provider reports back (in a JSON answer, or in a
// stream of Server-Sent Events, fed as it passes through).
//
// Usage is normalised to TokenUsage (core/llm_price.h): `input` excludes the
// tokens priced as cached input.
//   OpenAI chat:       prompt_tokens − cached_tokens, cached_tokens, completion_tokens
//   OpenAI embeddings: prompt_tokens
//   OpenAI responses:  input_tokens − cached_tokens, cached_tokens, output_tokens
//   Anthropic:         input_tokens + cache_creation_input_tokens,
//                      cache_read_input_tokens, output_tokens
//
// Thread-compatible (LlmStreamMeter is one stream's state); the functions
// are thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/llm_price.h"
#include "core/provider_config.h"
#include "core/status.h"

namespace stub {

enum class LlmEndpoint { kChatCompletions, kEmbeddings, kResponses, kMessages };

// The endpoint `path` (what follows the provider's version root, e.g.
// "/chat/completions") names for a provider of `kind`, or nullopt.
std::optional<LlmEndpoint> LlmEndpointFor(ProviderKind kind, std::string_view path);
// "/chat/completions", "/embeddings", "/responses", "/messages".
std::string_view LlmEndpointPath(LlmEndpoint endpoint);

// Tokens allowed for a part of the prompt whose size the request does not
// show (content by URL or file id): an image, and a document, file or audio.
inline constexpr std::int64_t kImagePartTokens = 8'192;
inline constexpr std::int64_t kDocumentPartTokens = 131'072;
// Per message (the chat template's own tokens) and per call.
inline constexpr std::int64_t kMessageOverheadTokens = 16;
inline constexpr std::int64_t kCallOverheadTokens = 64;

struct LlmCall {
  std::string model;
  bool stream = false;
  // max_tokens / max_completion_tokens / max_output_tokens when the call
  // says; nullopt otherwise (embeddings have no output).
  std::optional<std::int64_t> max_output;
  // An upper bound of the prompt's tokens: a token is at least one byte of
  // the text it encodes, and the JSON body holds every byte of the text
  // (escapes only add), so its size bounds the text's tokens; plus
  // kMessageOverheadTokens per message, kCallOverheadTokens, and the part
  // allowances above for content the body only points to.
  std::int64_t input_tokens_bound = 0;
};

// Reads the client's request body (`body_size`: its size in bytes).
// Errors: kInvalidArgument "invalid_request" (no string model, a
// non-boolean stream, a max token count that is not a positive integer).
Result<LlmCall> ReadLlmCall(LlmEndpoint endpoint, const nlohmann::json& body,
                            std::size_t body_size);

// Makes an OpenAI stream report its usage: sets stream_options.include_usage
// (chat completions; the responses API always reports it). Returns whether
// it changed `body`.
bool AskForStreamUsage(LlmEndpoint endpoint, nlohmann::json& body);

// The usage in a non-streamed answer's body, or nullopt when it has none.
std::optional<TokenUsage> UsageOfAnswer(LlmEndpoint endpoint, const nlohmann::json& body);

// Follows a streamed answer (Server-Sent Events) through its bytes, in
// whatever pieces they arrive, and keeps the usage it reports.
class LlmStreamMeter {
 public:
  explicit LlmStreamMeter(LlmEndpoint endpoint) : endpoint_(endpoint) {}

  void Feed(std::string_view bytes);

  // The usage reported so far (Anthropic reports input first, output at the
  // end), or nullopt when none.
  const std::optional<TokenUsage>& usage() const { return usage_; }
  // Whether the final usage has been seen (OpenAI's usage chunk, Anthropic's
  // message_delta, the responses API's response.completed/incomplete/failed).
  bool final_usage() const { return final_; }
  // The upstream's id of the answer (chat "id", Anthropic message id), if seen.
  const std::string& answer_id() const { return answer_id_; }

 private:
  void Line(std::string_view line);

  LlmEndpoint endpoint_;
  std::string partial_;    // an incomplete line carried to the next Feed
  bool skipping_ = false;  // the current line outgrew kMaxSseLine: dropped
  std::optional<TokenUsage> usage_;
  bool final_ = false;
  std::string answer_id_;
};

}  // namespace stub
