#include "server/x402_handler.h"

#include <string>

#include "core/base64.h"
#include "core/idempotency.h"
#include "core/json_fields.h"
#include "core/money.h"
#include "core/text_limits.h"
#include "server/api.h"
#include "server/api_error.h"
#include "server/json_body.h"
#include "server/json_views.h"

namespace stub {
namespace {

constexpr std::size_t kMaxFetchHeaders = 64;
constexpr std::size_t kMaxFetchHeaderBytes = 16 * 1024;
constexpr std::size_t kMaxToolNameBytes = 128;

bool IsUtf8(const std::string& s) {
  try {
    (void)Json(s).dump();
    return true;
  } catch (const Json::type_error&) {
    return false;
  }
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

Status BadField(std::string msg) { return InvalidRequest(std::move(msg)); }

std::string StringField(const Json& body, const char* key) {
  const auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The headers to send upstream: an object of at most kMaxFetchHeaders string
// values, names lowercased.
Result<HeaderList> ReadHeaders(const Json& body) {
  HeaderList out;
  const auto headers = body.find("headers");
  if (headers == body.end()) return out;
  if (!headers->is_object() || headers->size() > kMaxFetchHeaders) {
    return BadField("'headers' must be an object of at most " + std::to_string(kMaxFetchHeaders) +
                    " string values");
  }
  std::size_t bytes = 0;
  for (const auto& [name, value] : headers->items()) {
    if (!value.is_string()) return BadField("'headers." + name + "' must be a string");
    const std::string v = value.get<std::string>();
    bytes += name.size() + v.size();
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return BadField("'headers' holds an invalid header name");
    }
    if (v.find_first_of("\r\n") != std::string::npos || v.find('\0') != std::string::npos) {
      return BadField("'headers." + name + "' holds a line break or NUL");
    }
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.emplace_back(std::move(lower), v);
  }
  if (bytes > kMaxFetchHeaderBytes) {
    return BadField("'headers' are longer than " + std::to_string(kMaxFetchHeaderBytes) + " bytes");
  }
  return out;
}

// The fields every x402 request has: who pays, within what.
// REQUIRES: the string fields among them were checked to be strings.
Result<X402Context> ReadContext(const Json& body, const Principal& p) {
  X402Context c;
  c.org = p.org;
  c.agent = p.agent;
  c.key_check = p.key_check;
  if (body.contains("max_amount")) {
    STUB_ASSIGN_OR_RETURN(Micros max, AmountField(body.at("max_amount"), "max_amount"));
    c.max_amount = max;
  }
  c.wallet = StringField(body, "wallet");
  c.session = StringField(body, "session");
  c.user = StringField(body, "user");
  c.intent = StringField(body, "intent");
  STUB_RETURN_IF_ERROR(CheckTextField("session", c.session, kMaxSessionTextBytes));
  STUB_RETURN_IF_ERROR(CheckTextField("user", c.user, kMaxUserTextBytes));
  STUB_RETURN_IF_ERROR(CheckTextField("intent", c.intent, kMaxIntentTextBytes));
  c.idempotency_key = StringField(body, "idempotency_key");
  if (c.idempotency_key.empty()) return BadField("'idempotency_key' is required");
  STUB_RETURN_IF_ERROR(ValidateIdempotencyKey(c.idempotency_key));
  return c;
}

Status RequireStrings(const Json& body, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (body.contains(key) && !body[key].is_string()) {
      return BadField("'" + std::string(key) + "' must be a string");
    }
  }
  return Status::Ok();
}

constexpr std::initializer_list<const char*> kContextStrings = {"wallet", "session", "user",
                                                                "intent", "idempotency_key"};

Result<X402FetchRequest> ReadFetch(const Json& body, const Principal& p) {
  STUB_RETURN_IF_ERROR(OnlyKeys(body, "the fetch",
                                {"url", "method", "headers", "body", "body_base64", "max_amount",
                                 "wallet", "session", "user", "intent", "idempotency_key"}));
  STUB_RETURN_IF_ERROR(RequireStrings(body, {"url", "method", "body", "body_base64"}));
  STUB_RETURN_IF_ERROR(RequireStrings(body, kContextStrings));
  X402FetchRequest r;
  r.url = StringField(body, "url");
  if (r.url.empty()) return BadField("'url' is required");
  if (body.contains("method")) r.method = StringField(body, "method");
  if (r.method != "GET" && r.method != "POST" && r.method != "PUT" && r.method != "PATCH" &&
      r.method != "DELETE") {
    return BadField("'method' must be GET, POST, PUT, PATCH or DELETE");
  }
  STUB_ASSIGN_OR_RETURN(r.headers, ReadHeaders(body));
  if (body.contains("body") && body.contains("body_base64")) {
    return BadField("give 'body' or 'body_base64', not both");
  }
  r.body = StringField(body, "body");
  if (body.contains("body_base64") && !DecodeBase64(StringField(body, "body_base64"), r.body)) {
    return BadField("'body_base64' is not base64");
  }
  if (r.body.size() > kMaxX402RequestBodyBytes) {
    return BadField("the request body is longer than " + std::to_string(kMaxX402RequestBodyBytes) +
                    " bytes");
  }
  STUB_ASSIGN_OR_RETURN(r.payer, ReadContext(body, p));
  return r;
}

Result<X402ToolCallRequest> ReadToolCall(const Json& body, const Principal& p) {
  STUB_RETURN_IF_ERROR(OnlyKeys(body, "the tool call",
                                {"url", "tool", "arguments", "headers", "max_amount", "wallet",
                                 "session", "user", "intent", "idempotency_key"}));
  STUB_RETURN_IF_ERROR(RequireStrings(body, {"url", "tool"}));
  STUB_RETURN_IF_ERROR(RequireStrings(body, kContextStrings));
  X402ToolCallRequest r;
  r.url = StringField(body, "url");
  if (r.url.empty()) return BadField("'url' is required");
  r.tool = StringField(body, "tool");
  if (r.tool.empty() || r.tool.size() > kMaxToolNameBytes) {
    return BadField("'tool' is required, at most " + std::to_string(kMaxToolNameBytes) + " bytes");
  }
  if (const auto args = body.find("arguments"); args != body.end()) {
    if (!args->is_object()) return BadField("'arguments' must be an object");
    if (args->dump().size() > kMaxX402RequestBodyBytes) {
      return BadField("'arguments' are longer than " + std::to_string(kMaxX402RequestBodyBytes) +
                      " bytes");
    }
    r.arguments = *args;
  }
  STUB_ASSIGN_OR_RETURN(r.headers, ReadHeaders(body));
  STUB_ASSIGN_OR_RETURN(r.payer, ReadContext(body, p));
  return r;
}

// A denial: 402 with Stub's reason; nothing was signed.
ApiResponse RenderDenial(const X402Booking& b) {
  const std::string reason(b.denial && b.denial->denial ? DenyReasonName(b.denial->denial->reason)
                                                        : "denied");
  const std::string message =
      b.denial && b.denial->denial ? b.denial->denial->message : std::string();
  Json j = {{"error",
             {{"code", reason},
              {"message", "Stub denied this payment (" + reason + ")" +
                              (message.empty() ? std::string() : ": " + message)}}},
            {"decision", "denied"}};
  if (b.denial) j["outcome"] = OutcomeJson(*b.denial);
  return JsonResponse(402, j);
}

// The parts of the answer every decision shares.
Json BookingJson(const X402Booking& b) {
  Json j = {{"decision", X402DecisionName(b.decision)}};
  if (!b.hold_id.empty()) {
    j["hold_id"] = b.hold_id;
    j["amount"] = FormatAmount(b.amount);
  }
  if (!b.spend_id.empty()) j["spend_id"] = b.spend_id;
  if (!b.receipt.is_null()) j["payment"] = b.receipt;
  return j;
}

ApiResponse RenderNoAnswer(Json j) {
  j["error"] = {{"code", "upstream_no_answer"},
                {"message",
                 "the payment was sent and no answer came back: it is booked, flagged "
                 "unsettled"}};
  return JsonResponse(502, j);
}

ApiResponse Render(const X402FetchResult& r) {
  if (r.booking.decision == X402Decision::kDenied) return RenderDenial(r.booking);
  Json j = BookingJson(r.booking);
  if (!r.answered) return RenderNoAnswer(std::move(j));
  j["status"] = r.answer.status;
  Json headers = Json::object();
  for (const auto& [name, value] : r.answer.headers) {
    if (name == "connection" || name == "transfer-encoding" || name == "keep-alive") continue;
    if (headers.contains(name)) {
      headers[name] = headers[name].get<std::string>() + ", " + value;
    } else {
      headers[name] = value;
    }
  }
  j["headers"] = std::move(headers);
  if (IsUtf8(r.answer.body)) {
    j["body"] = r.answer.body;
  } else {
    j["body_base64"] = EncodeBase64(r.answer.body);
  }
  return JsonResponse(200, j);
}

ApiResponse Render(const X402ToolCallResult& r) {
  if (r.booking.decision == X402Decision::kDenied) return RenderDenial(r.booking);
  Json j = BookingJson(r.booking);
  if (!r.answered) return RenderNoAnswer(std::move(j));
  if (r.reply.is_error) {
    j["mcp_error"] = r.reply.error;
  } else {
    j["result"] = r.reply.result;
  }
  return JsonResponse(200, j);
}

// The agent's principal and the body's JSON object, or the error answer.
template <typename Request, typename Reader>
Result<Request> Read(const Authenticator& auth, const ApiRequest& request, Reader read) {
  STUB_ASSIGN_OR_RETURN(Principal principal, auth.Authenticate(request, KeyFreshness::kCached));
  if (principal.role != KeyRole::kAgent) {
    return Forbidden("x402 payments are made with an agent's key");
  }
  STUB_ASSIGN_OR_RETURN(Json body, ParseJsonObject(request.body));
  return read(body, principal);
}

}  // namespace

void X402Handler::AddRoutes(Router& router) {
  router.Add("POST", std::string(kX402PathPrefix) + "fetch",
             [this](const ApiRequest& request, const PathParams&) { return Fetch(request); });
  router.Add("POST", std::string(kX402PathPrefix) + "mcp/call",
             [this](const ApiRequest& request, const PathParams&) { return CallTool(request); });
}

ApiResponse X402Handler::Fetch(const ApiRequest& request) {
  auto fetch = Read<X402FetchRequest>(auth_, request, ReadFetch);
  if (!fetch.ok()) return ErrorResponse(fetch.status());
  auto result = payer_.Fetch(*fetch);
  if (!result.ok()) return ErrorResponse(result.status());
  return Render(*result);
}

ApiResponse X402Handler::CallTool(const ApiRequest& request) {
  auto call = Read<X402ToolCallRequest>(auth_, request, ReadToolCall);
  if (!call.ok()) return ErrorResponse(call.status());
  auto result = mcp_payer_.Call(*call);
  if (!result.ok()) return ErrorResponse(result.status());
  return Render(*result);
}

}  // namespace stub
