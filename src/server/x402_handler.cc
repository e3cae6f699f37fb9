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

Result<X402FetchRequest> ReadRequest(const Json& body, const Principal& p) {
  STUB_RETURN_IF_ERROR(OnlyKeys(body, "the fetch",
                                {"url", "method", "headers", "body", "body_base64", "max_amount",
                                 "wallet", "session", "user", "intent", "idempotency_key"}));
  X402FetchRequest r;
  r.org = p.org;
  r.agent = p.agent;
  r.key_check = p.key_check;
  for (const char* key : {"url", "method", "body", "body_base64", "wallet", "session", "user",
                          "intent", "idempotency_key"}) {
    if (body.contains(key) && !body[key].is_string()) {
      return BadField("'" + std::string(key) + "' must be a string");
    }
  }
  r.url = StringField(body, "url");
  if (r.url.empty()) return BadField("'url' is required");
  if (body.contains("method")) r.method = StringField(body, "method");
  if (r.method != "GET" && r.method != "POST" && r.method != "PUT" && r.method != "PATCH" &&
      r.method != "DELETE") {
    return BadField("'method' must be GET, POST, PUT, PATCH or DELETE");
  }
  if (const auto headers = body.find("headers"); headers != body.end()) {
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
      r.headers.emplace_back(std::move(lower), v);
    }
    if (bytes > kMaxFetchHeaderBytes) {
      return BadField("'headers' are longer than " + std::to_string(kMaxFetchHeaderBytes) +
                      " bytes");
    }
  }
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
  if (body.contains("max_amount")) {
    STUB_ASSIGN_OR_RETURN(Micros max, AmountField(body.at("max_amount"), "max_amount"));
    r.max_amount = max;
  }
  r.wallet = StringField(body, "wallet");
  r.session = StringField(body, "session");
  r.user = StringField(body, "user");
  r.intent = StringField(body, "intent");
  STUB_RETURN_IF_ERROR(CheckTextField("session", r.session, kMaxSessionTextBytes));
  STUB_RETURN_IF_ERROR(CheckTextField("user", r.user, kMaxUserTextBytes));
  STUB_RETURN_IF_ERROR(CheckTextField("intent", r.intent, kMaxIntentTextBytes));
  r.idempotency_key = StringField(body, "idempotency_key");
  if (r.idempotency_key.empty()) return BadField("'idempotency_key' is required");
  STUB_RETURN_IF_ERROR(ValidateIdempotencyKey(r.idempotency_key));
  return r;
}

// The parts of the answer every decision shares.
Json PaymentJson(const X402FetchResult& r) {
  Json j = {{"decision", r.decision}};
  if (!r.hold_id.empty()) {
    j["hold_id"] = r.hold_id;
    j["amount"] = FormatAmount(r.amount);
  }
  if (!r.spend_id.empty()) j["spend_id"] = r.spend_id;
  if (!r.payment.is_null()) j["payment"] = r.payment;
  return j;
}

ApiResponse Render(const X402FetchResult& r) {
  if (r.decision == "denied" && r.denial) {
    const std::string reason(r.denial->denial ? DenyReasonName(r.denial->denial->reason)
                                              : "denied");
    const std::string message = r.denial->denial ? r.denial->denial->message : std::string();
    Json j = {{"error",
               {{"code", reason},
                {"message", "Stub denied this payment (" + reason + ")" +
                                (message.empty() ? std::string() : ": " + message)}}},
              {"decision", "denied"},
              {"outcome", OutcomeJson(*r.denial)}};
    return JsonResponse(402, j);
  }
  Json j = PaymentJson(r);
  if (!r.answered) {
    j["error"] = {{"code", "upstream_no_answer"},
                  {"message",
                   "the payment was sent and no answer came back: it is booked, flagged "
                   "unsettled"}};
    return JsonResponse(502, j);
  }
  j["status"] = r.status;
  Json headers = Json::object();
  for (const auto& [name, value] : r.headers) {
    if (name == "connection" || name == "transfer-encoding" || name == "keep-alive") continue;
    if (headers.contains(name)) {
      headers[name] = headers[name].get<std::string>() + ", " + value;
    } else {
      headers[name] = value;
    }
  }
  j["headers"] = std::move(headers);
  if (IsUtf8(r.body)) {
    j["body"] = r.body;
  } else {
    j["body_base64"] = EncodeBase64(r.body);
  }
  return JsonResponse(200, j);
}

}  // namespace

void X402Handler::AddRoutes(Router& router) {
  router.Add("POST", std::string(kX402PathPrefix) + "fetch",
             [this](const ApiRequest& request, const PathParams&) { return Fetch(request); });
}

ApiResponse X402Handler::Fetch(const ApiRequest& request) {
  auto principal = auth_.Authenticate(request, KeyFreshness::kCached);
  if (!principal.ok()) return ErrorResponse(principal.status());
  if (principal->role != KeyRole::kAgent) {
    return ErrorResponse(Forbidden("x402 fetches are made with an agent's key"));
  }
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  auto fetch = ReadRequest(*body, *principal);
  if (!fetch.ok()) return ErrorResponse(fetch.status());
  auto result = payer_.Fetch(*fetch);
  if (!result.ok()) return ErrorResponse(result.status());
  return Render(*result);
}

}  // namespace stub
