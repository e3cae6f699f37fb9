#include "server/mcp_client.h"

#include <algorithm>
#include <chrono>

#include "core/json_input.h"
#include "core/sse_events.h"

namespace stub {
namespace {

using nlohmann::json;

Status ProtocolError(std::string what) {
  return Status(StatusCode::kUnavailable, "the MCP server " + std::move(what),
                "mcp_protocol_error");
}

// A request that went out and whose answer broke off may have been acted on.
Status BrokeOff(const Status& s) {
  if (s.reason() == "upstream_too_large") return s;
  return Status(s.code(), s.message(), "upstream_no_answer");
}

JsonLimits AnswerLimits() {
  JsonLimits limits;
  limits.max_bytes = kMaxMcpAnswerBytes;
  limits.max_depth = 64;
  limits.max_string_bytes = kMaxMcpAnswerBytes;
  return limits;
}

// The response to request `id` in one JSON-RPC message (or batch), if any.
std::optional<McpReply> ReplyIn(const json& message, std::int64_t id) {
  if (message.is_array()) {
    for (const json& m : message) {
      if (auto r = ReplyIn(m, id)) return r;
    }
    return std::nullopt;
  }
  if (!message.is_object()) return std::nullopt;
  const auto mid = message.find("id");
  if (mid == message.end() || !mid->is_number_integer() || mid->get<std::int64_t>() != id ||
      message.contains("method")) {
    return std::nullopt;
  }
  McpReply r;
  if (const auto e = message.find("error"); e != message.end() && e->is_object()) {
    r.is_error = true;
    r.error = *e;
    return r;
  }
  const auto result = message.find("result");
  if (result == message.end() || !result->is_object()) return std::nullopt;
  r.result = *result;
  return r;
}

// What Stub echoes in a header: visible ASCII (MCP's rule for session ids),
// and short.
bool IsHeaderSafe(std::string_view value) {
  return !value.empty() && value.size() <= 256 &&
         std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
}

}  // namespace

McpClientSession::McpClientSession(UpstreamPool& pool, FetchTarget endpoint, HeaderList headers,
                                   UpstreamTimeouts timeouts)
    : pool_(pool),
      endpoint_(std::move(endpoint)),
      headers_(std::move(headers)),
      timeouts_(timeouts) {}

Result<std::unique_ptr<McpClientSession>> McpClientSession::Open(UpstreamPool& pool,
                                                                 FetchTarget endpoint,
                                                                 HeaderList headers,
                                                                 UpstreamTimeouts timeouts) {
  std::unique_ptr<McpClientSession> s(
      new McpClientSession(pool, std::move(endpoint), std::move(headers), timeouts));
  const json init = {{"jsonrpc", "2.0"},
                     {"id", s->next_id_++},
                     {"method", "initialize"},
                     {"params",
                      {{"protocolVersion", kMcpClientProtocolVersion},
                       {"capabilities", json::object()},
                       {"clientInfo", {{"name", "stub-x402"}, {"version", "1"}}}}}};
  STUB_ASSIGN_OR_RETURN(McpReply reply,
                        s->Send(init, true, UpstreamCall::Resend::kOnStaleConnection));
  if (reply.is_error) {
    return ProtocolError("refused to initialize: " + reply.error.value("message", std::string()));
  }
  const auto version = reply.result.find("protocolVersion");
  if (version == reply.result.end() || !version->is_string() ||
      !IsHeaderSafe(version->get<std::string>())) {
    return ProtocolError("answered initialize without a protocolVersion");
  }
  s->protocol_version_ = version->get<std::string>();
  STUB_RETURN_IF_ERROR(s->Send({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, false,
                               UpstreamCall::Resend::kOnStaleConnection)
                           .status());
  return s;
}

HeaderList McpClientSession::RequestHeaders() const {
  HeaderList h = headers_;
  h.emplace_back("content-type", "application/json");
  h.emplace_back("accept", "application/json, text/event-stream");
  if (!session_id_.empty()) h.emplace_back("mcp-session-id", session_id_);
  if (!protocol_version_.empty()) h.emplace_back("mcp-protocol-version", protocol_version_);
  return h;
}

Result<McpReply> McpClientSession::Send(const json& message, bool expect_reply,
                                        UpstreamCall::Resend resend) {
  const std::string method = message.value("method", std::string());
  STUB_ASSIGN_OR_RETURN(auto call,
                        UpstreamCall::Start(pool_, endpoint_.origin, "POST", endpoint_.target,
                                            RequestHeaders(), message.dump(), timeouts_, resend));
  if (session_id_.empty() && method == "initialize") {
    if (const std::string_view id = call->Header("mcp-session-id"); !id.empty()) {
      if (!IsHeaderSafe(id)) return ProtocolError("issued a malformed Mcp-Session-Id");
      session_id_ = std::string(id);
    }
  }
  const int status = call->status();
  if (!expect_reply) {
    if (status != 200 && status != 202) {
      return ProtocolError("answered " + method + " with HTTP " + std::to_string(status));
    }
    (void)call->ReadAll(64 * 1024);  // whatever it says, it is not for us
    return McpReply{};
  }
  const auto id = message.at("id").get<std::int64_t>();
  if (status != 200) {
    // A JSON-RPC error may come with an HTTP error status.
    auto text = call->ReadAll(64 * 1024);
    if (text.ok()) {
      if (auto doc = ParseBoundedJson(*text, AnswerLimits()); doc.ok()) {
        if (auto r = ReplyIn(*doc, id); r && r->is_error) return *r;
      }
    }
    return ProtocolError("answered " + method + " with HTTP " + std::to_string(status));
  }
  const std::string_view type = call->Header("content-type");
  if (type.starts_with("text/event-stream")) {
    // However the server trickles, the stream is read for a bounded time.
    const auto deadline =
        std::chrono::steady_clock::now() + timeouts_.connect_and_head + timeouts_.idle;
    SseEventReader events(kMaxMcpAnswerBytes);
    std::size_t total = 0;
    std::string chunk;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return Status(StatusCode::kUnavailable,
                      "the MCP server did not answer " + method + " in time", "upstream_no_answer");
      }
      chunk.clear();
      auto more = call->Read(chunk, left);
      if (!more.ok()) return BrokeOff(more.status());
      total += chunk.size();
      if (total > kMaxMcpAnswerBytes) {
        return Status(StatusCode::kResourceExhausted,
                      "the MCP server's answer is longer than " +
                          std::to_string(kMaxMcpAnswerBytes) + " bytes",
                      "upstream_too_large");
      }
      for (const SseEvent& e : events.Feed(chunk)) {
        if (!e.name.empty() && e.name != "message") continue;
        auto doc = ParseBoundedJson(e.data, AnswerLimits());
        if (!doc.ok()) continue;
        if (auto r = ReplyIn(*doc, id)) return *r;
      }
      if (!*more) break;
    }
    return ProtocolError("ended its event stream without answering " + method);
  }
  auto text = call->ReadAll(kMaxMcpAnswerBytes);
  if (!text.ok()) return BrokeOff(text.status());
  auto doc = ParseBoundedJson(*text, AnswerLimits());
  if (!doc.ok()) return ProtocolError("answered " + method + " with no JSON-RPC message");
  if (auto r = ReplyIn(*doc, id)) return *r;
  return ProtocolError("answered " + method + " with no response to it");
}

Result<McpReply> McpClientSession::CallTool(std::string_view name, const json& arguments,
                                            const json& meta, UpstreamCall::Resend resend) {
  json params = {{"name", name}, {"arguments", arguments}};
  if (!meta.is_null()) params["_meta"] = meta;
  return Send(
      {{"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", "tools/call"}, {"params", params}}, true,
      resend);
}

void McpClientSession::Close() {
  if (session_id_.empty()) return;
  auto call = UpstreamCall::Start(pool_, endpoint_.origin, "DELETE", endpoint_.target,
                                  RequestHeaders(), "", timeouts_);
  if (call.ok()) (void)(*call)->ReadAll(64 * 1024);
}

}  // namespace stub
