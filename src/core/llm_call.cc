#include "core/llm_call.h"

#include <algorithm>
#include <limits>

namespace stub {
namespace {

using Json = nlohmann::json;

// A stream line longer than this cannot be a usage report: it is passed on
// but not parsed.
constexpr std::size_t kMaxSseLine = 256 * 1024;

const Json* Field(const Json& j, std::string_view name) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(name);
  return it == j.end() ? nullptr : &*it;
}

// A non-negative integer field, else 0.
std::int64_t Count(const Json& j, std::string_view name) {
  const Json* v = Field(j, name);
  if (v == nullptr || !v->is_number_integer()) return 0;
  const auto n = v->get<std::int64_t>();
  return n > 0 ? n : 0;
}

std::int64_t SatAdd(std::int64_t a, std::int64_t b) {
  return a > std::numeric_limits<std::int64_t>::max() - b ? std::numeric_limits<std::int64_t>::max()
                                                          : a + b;
}

// Tokens for content the body only points to, and messages, in `j`.
std::int64_t HiddenTokens(const Json& j, int depth) {
  if (depth > 64) return 0;  // the body parser already bounds nesting
  std::int64_t n = 0;
  if (j.is_object()) {
    if (const Json* type = Field(j, "type"); type != nullptr && type->is_string()) {
      const auto& t = type->get_ref<const std::string&>();
      if (t == "image_url" || t == "input_image" || t == "image") {
        n = SatAdd(n, kImagePartTokens);
      } else if (t == "document" || t == "file" || t == "input_file" || t == "input_audio") {
        n = SatAdd(n, kDocumentPartTokens);
      }
    }
    if (Field(j, "role") != nullptr) n = SatAdd(n, kMessageOverheadTokens);
    for (const auto& [key, value] : j.items()) n = SatAdd(n, HiddenTokens(value, depth + 1));
  } else if (j.is_array()) {
    for (const Json& value : j) n = SatAdd(n, HiddenTokens(value, depth + 1));
  }
  return n;
}

Status BadCall(std::string message) {
  return InvalidArgument(std::move(message), "invalid_request");
}

TokenUsage OpenAiChatUsage(const Json& u) {
  const std::int64_t prompt = Count(u, "prompt_tokens");
  const Json* details = Field(u, "prompt_tokens_details");
  const std::int64_t cached = details ? std::min(Count(*details, "cached_tokens"), prompt) : 0;
  return TokenUsage{
      .input = prompt - cached, .cached_input = cached, .output = Count(u, "completion_tokens")};
}

TokenUsage OpenAiResponsesUsage(const Json& u) {
  const std::int64_t input = Count(u, "input_tokens");
  const Json* details = Field(u, "input_tokens_details");
  const std::int64_t cached = details ? std::min(Count(*details, "cached_tokens"), input) : 0;
  return TokenUsage{
      .input = input - cached, .cached_input = cached, .output = Count(u, "output_tokens")};
}

TokenUsage AnthropicUsage(const Json& u) {
  return TokenUsage{
      .input = SatAdd(Count(u, "input_tokens"), Count(u, "cache_creation_input_tokens")),
      .cached_input = Count(u, "cache_read_input_tokens"),
      .output = Count(u, "output_tokens")};
}

}  // namespace

std::optional<LlmEndpoint> LlmEndpointFor(ProviderKind kind, std::string_view path) {
  if (kind == ProviderKind::kAnthropic) {
    if (path == "/messages") return LlmEndpoint::kMessages;
    return std::nullopt;
  }
  if (path == "/chat/completions") return LlmEndpoint::kChatCompletions;
  if (path == "/embeddings") return LlmEndpoint::kEmbeddings;
  if (path == "/responses") return LlmEndpoint::kResponses;
  return std::nullopt;
}

std::string_view LlmEndpointPath(LlmEndpoint endpoint) {
  switch (endpoint) {
    case LlmEndpoint::kChatCompletions:
      return "/chat/completions";
    case LlmEndpoint::kEmbeddings:
      return "/embeddings";
    case LlmEndpoint::kResponses:
      return "/responses";
    case LlmEndpoint::kMessages:
      return "/messages";
  }
  return "";
}

Result<LlmCall> ReadLlmCall(LlmEndpoint endpoint, const Json& body, std::size_t body_size) {
  if (!body.is_object()) return BadCall("the request body must be a JSON object");
  LlmCall call;
  const Json* model = Field(body, "model");
  if (model == nullptr || !model->is_string() || model->get_ref<const std::string&>().empty()) {
    return BadCall("'model' must be a non-empty string");
  }
  call.model = model->get<std::string>();
  if (const Json* stream = Field(body, "stream"); stream != nullptr && !stream->is_null()) {
    if (!stream->is_boolean()) return BadCall("'stream' must be true or false");
    call.stream = stream->get<bool>();
  }
  if (endpoint == LlmEndpoint::kEmbeddings && call.stream) {
    return BadCall("embeddings do not stream");
  }
  for (const char* name : {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
    const Json* v = Field(body, name);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_number_integer() || v->get<std::int64_t>() <= 0) {
      return BadCall(std::string("'") + name + "' must be a positive integer");
    }
    const auto n = v->get<std::int64_t>();
    call.max_output = call.max_output ? std::max(*call.max_output, n) : n;
  }
  if (endpoint == LlmEndpoint::kEmbeddings) call.max_output = 0;
  const auto bytes = static_cast<std::int64_t>(
      std::min<std::size_t>(body_size, std::numeric_limits<std::int64_t>::max() / 2));
  call.input_tokens_bound = SatAdd(SatAdd(bytes, kCallOverheadTokens), HiddenTokens(body, 0));
  return call;
}

bool AskForStreamUsage(LlmEndpoint endpoint, Json& body) {
  if (endpoint != LlmEndpoint::kChatCompletions || !body.is_object()) return false;
  Json& options = body["stream_options"];
  if (!options.is_object()) options = Json::object();
  const Json* current = Field(options, "include_usage");
  if (current != nullptr && current->is_boolean() && current->get<bool>()) return false;
  options["include_usage"] = true;
  return true;
}

std::optional<TokenUsage> UsageOfAnswer(LlmEndpoint endpoint, const Json& body) {
  const Json* u = Field(body, "usage");
  if (u == nullptr || !u->is_object()) return std::nullopt;
  switch (endpoint) {
    case LlmEndpoint::kChatCompletions:
    case LlmEndpoint::kEmbeddings:
      return OpenAiChatUsage(*u);
    case LlmEndpoint::kResponses:
      return OpenAiResponsesUsage(*u);
    case LlmEndpoint::kMessages:
      return AnthropicUsage(*u);
  }
  return std::nullopt;
}

void LlmStreamMeter::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const std::size_t nl = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, nl);
    if (!skipping_) {
      if (partial_.size() + piece.size() > kMaxSseLine) {
        skipping_ = true;
        partial_.clear();
      } else {
        partial_.append(piece);
      }
    }
    if (nl == std::string_view::npos) return;
    if (!skipping_) Line(partial_);
    partial_.clear();
    skipping_ = false;
    bytes.remove_prefix(nl + 1);
  }
}

void LlmStreamMeter::Line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!line.starts_with("data:")) return;
  line.remove_prefix(5);
  if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  // Only events that can carry usage or the answer's id are parsed.
  const bool has_usage = line.find("\"usage\"") != std::string_view::npos;
  if (!has_usage && !answer_id_.empty()) return;
  if (line.empty() || line.front() != '{') return;
  const Json event = Json::parse(line, nullptr, false);
  if (!event.is_object()) return;
  const Json* type = Field(event, "type");
  std::string_view t;
  if (type != nullptr && type->is_string()) t = type->get_ref<const std::string&>();
  switch (endpoint_) {
    case LlmEndpoint::kChatCompletions:
    case LlmEndpoint::kEmbeddings: {
      if (const Json* id = Field(event, "id"); answer_id_.empty() && id && id->is_string()) {
        answer_id_ = id->get<std::string>();
      }
      const Json* u = Field(event, "usage");
      if (u != nullptr && u->is_object()) {
        usage_ = OpenAiChatUsage(*u);
        final_ = true;
      }
      return;
    }
    case LlmEndpoint::kResponses: {
      const Json* response = Field(event, "response");
      if (response == nullptr) return;
      if (const Json* id = Field(*response, "id"); answer_id_.empty() && id && id->is_string()) {
        answer_id_ = id->get<std::string>();
      }
      const Json* u = Field(*response, "usage");
      if (u != nullptr && u->is_object() &&
          (t == "response.completed" || t == "response.incomplete" || t == "response.failed")) {
        usage_ = OpenAiResponsesUsage(*u);
        final_ = true;
      }
      return;
    }
    case LlmEndpoint::kMessages: {
      if (t == "message_start") {
        const Json* message = Field(event, "message");
        if (message == nullptr) return;
        if (const Json* id = Field(*message, "id"); id && id->is_string()) {
          answer_id_ = id->get<std::string>();
        }
        if (const Json* u = Field(*message, "usage"); u != nullptr && u->is_object()) {
          TokenUsage start = AnthropicUsage(*u);
          start.output = 0;  // message_delta reports the output
          usage_ = start;
        }
      } else if (t == "message_delta") {
        const Json* u = Field(event, "usage");
        if (u == nullptr || !u->is_object()) return;
        TokenUsage total = usage_.value_or(TokenUsage{});
        // message_delta's counts are cumulative; input fields appear in it
        // only on newer API versions, and then supersede message_start's.
        const TokenUsage delta = AnthropicUsage(*u);
        if (Field(*u, "input_tokens") != nullptr) total.input = delta.input;
        if (Field(*u, "cache_read_input_tokens") != nullptr)
          total.cached_input = delta.cached_input;
        total.output = delta.output;
        usage_ = total;
        final_ = true;
      }
      return;
    }
  }
}

}  // namespace stub
