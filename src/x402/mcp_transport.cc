#include "x402/mcp_transport.h"

#include "core/json_input.h"

namespace stub::x402 {
namespace {

using nlohmann::json;

const json* FieldOf(const json& o, std::string_view key) {
  if (!o.is_object()) return nullptr;
  const auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

bool LooksLikePaymentRequired(const json& doc) {
  return doc.is_object() && doc.contains("x402Version") && doc.contains("accepts");
}

// A requirement document, within the very bounds one in an HTTP answer has
// (size, depth, string length): what a tool result holds was parsed within
// the MCP answer's much wider ones.
Result<PaymentRequired> Bounded(const json& doc) { return ParsePaymentRequiredBody(doc.dump()); }

// PaymentRequired itself, or the {"x402/error": {data}} wrapper around it.
std::optional<Result<PaymentRequired>> RequirementIn(const json& doc) {
  if (LooksLikePaymentRequired(doc)) return Bounded(doc);
  if (const json* wrapper = FieldOf(doc, "x402/error")) {
    if (const json* data = FieldOf(*wrapper, "data")) return Bounded(*data);
    return Result<PaymentRequired>(InvalidArgument(
        "the tool's x402/error holds no payment requirements", "x402_invalid_requirements"));
  }
  return std::nullopt;
}

}  // namespace

std::optional<Result<PaymentRequired>> PaymentRequiredInToolResult(const json& result) {
  const json* is_error = FieldOf(result, "isError");
  if (is_error == nullptr || !is_error->is_boolean() || !is_error->get<bool>()) {
    return std::nullopt;
  }
  if (const json* structured = FieldOf(result, "structuredContent")) {
    if (auto found = RequirementIn(*structured)) return found;
  }
  const json* content = FieldOf(result, "content");
  if (content == nullptr || !content->is_array() || content->empty()) return std::nullopt;
  const json& first = content->front();
  const json* type = FieldOf(first, "type");
  const json* text = FieldOf(first, "text");
  if (type == nullptr || *type != "text" || text == nullptr || !text->is_string()) {
    return std::nullopt;
  }
  JsonLimits limits;
  limits.max_bytes = kMaxPaymentRequiredBytes;
  limits.max_depth = 16;
  limits.max_string_bytes = 8 * 1024;
  const std::string& s = text->get_ref<const std::string&>();
  if (s.size() > kMaxPaymentRequiredBytes || s.find("x402") == std::string::npos) {
    return std::nullopt;  // a tool's own error text
  }
  auto doc = ParseBoundedJson(s, limits);
  if (!doc.ok()) return std::nullopt;
  return RequirementIn(*doc);
}

std::optional<Result<PaymentRequired>> PaymentRequiredInRpcError(const json& error) {
  const json* code = FieldOf(error, "code");
  if (code == nullptr || !code->is_number_integer() || code->get<std::int64_t>() != 402) {
    return std::nullopt;
  }
  const json* data = FieldOf(error, "data");
  if (data == nullptr) {
    return Result<PaymentRequired>(InvalidArgument(
        "the server asked for payment without saying what it asks", "x402_invalid_requirements"));
  }
  if (auto found = RequirementIn(*data)) return found;
  return Bounded(*data);
}

std::optional<Result<Settlement>> SettlementInToolResult(const json& result) {
  for (const char* holder : {"_meta", "structuredContent"}) {
    const json* h = FieldOf(result, holder);
    if (h == nullptr) continue;
    const json* s = FieldOf(*h, kMcpSettlementMetaKey);
    if (s == nullptr) continue;
    // Bounded as a settlement header is: what it says goes into a receipt.
    if (s->dump().size() > kMaxSettlementBytes) {
      return Result<Settlement>(InvalidArgument(
          "the settlement is larger than " + std::to_string(kMaxSettlementBytes) + " bytes",
          "x402_invalid_settlement"));
    }
    return ReadSettlement(*s);
  }
  return std::nullopt;
}

}  // namespace stub::x402
