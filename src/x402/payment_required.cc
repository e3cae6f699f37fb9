#include "x402/payment_required.h"

#include "core/base64.h"
#include "core/json_input.h"
#include "x402/networks.h"

namespace stub::x402 {
namespace {

using nlohmann::json;

Status Invalid(std::string what) {
  return InvalidArgument("the resource's payment requirements are malformed: " + std::move(what),
                         "x402_invalid_requirements");
}

std::string StringField(const json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Fills `r` from option `o`; leaves r.usable false with a reason when Stub
// cannot pay it.
void ReadOption(const json& o, int version, PaymentRequirement& r) {
  r.raw = o;
  r.scheme = StringField(o, "scheme");
  r.network = StringField(o, "network");
  r.chain_id = EvmChainId(r.network);
  r.description = StringField(o, "description");
  if (version == 1) r.resource = StringField(o, "resource");
  const auto fail = [&](std::string why) { r.unusable_why = std::move(why); };
  if (r.scheme != "exact") return fail("scheme '" + r.scheme + "' is not 'exact'");
  if (!r.chain_id) return fail("network '" + r.network + "' is not an EVM network");
  const char* amount_key = version == 1 ? "maxAmountRequired" : "amount";
  if (!ParseUint128(StringField(o, amount_key), r.amount) || r.amount == 0) {
    return fail(std::string(amount_key) + " is not a positive integer of atomic units");
  }
  auto asset = ParseAddress(StringField(o, "asset"));
  if (!asset.ok()) return fail("asset is not an address");
  r.asset = *asset;
  auto pay_to = ParseAddress(StringField(o, "payTo"));
  if (!pay_to.ok()) return fail("payTo is not an address");
  r.pay_to = *pay_to;
  const auto timeout = o.find("maxTimeoutSeconds");
  if (timeout == o.end() || !timeout->is_number_integer() || timeout->get<std::int64_t>() <= 0 ||
      timeout->get<std::int64_t>() > kMaxPaymentTimeoutSeconds) {
    return fail("maxTimeoutSeconds is not between 1 and " +
                std::to_string(kMaxPaymentTimeoutSeconds));
  }
  r.max_timeout_seconds = timeout->get<std::int64_t>();
  const auto extra = o.find("extra");
  if (extra == o.end() || !extra->is_object())
    return fail("extra (the token's name, version) is missing");
  r.token_name = StringField(*extra, "name");
  r.token_version = StringField(*extra, "version");
  if (r.token_name.empty() || r.token_version.empty()) {
    return fail("extra.name or extra.version (the token's EIP-712 domain) is missing");
  }
  r.usable = true;
}

Result<PaymentRequired> FromDocument(const json& doc) {
  if (!doc.is_object()) return Invalid("not a JSON object");
  const auto version = doc.find("x402Version");
  if (version == doc.end() || !version->is_number_integer() ||
      (version->get<std::int64_t>() != 1 && version->get<std::int64_t>() != 2)) {
    return Invalid("x402Version is not 1 or 2");
  }
  PaymentRequired pr;
  pr.version = static_cast<int>(version->get<std::int64_t>());
  pr.error = StringField(doc, "error");
  const auto accepts = doc.find("accepts");
  if (accepts == doc.end() || !accepts->is_array() || accepts->empty()) {
    return Invalid("accepts is not a non-empty array");
  }
  if (accepts->size() > kMaxRequirements) {
    return Invalid("more than " + std::to_string(kMaxRequirements) + " payment options");
  }
  if (pr.version == 2) {
    const auto resource = doc.find("resource");
    if (resource == doc.end() || !resource->is_object() || StringField(*resource, "url").empty()) {
      return Invalid("resource.url is missing");
    }
    pr.resource = *resource;
    if (const auto ext = doc.find("extensions"); ext != doc.end()) pr.extensions = *ext;
  }
  for (const json& o : *accepts) {
    if (!o.is_object()) return Invalid("a payment option is not an object");
    PaymentRequirement& r = pr.accepts.emplace_back();
    ReadOption(o, pr.version, r);
    if (pr.version == 2) {
      r.resource = StringField(pr.resource, "url");
      if (r.description.empty()) r.description = StringField(pr.resource, "description");
    }
  }
  return pr;
}

JsonLimits Limits() {
  JsonLimits limits;
  limits.max_bytes = kMaxPaymentRequiredBytes;
  limits.max_depth = 16;
  limits.max_string_bytes = 8 * 1024;
  return limits;
}

}  // namespace

Result<PaymentRequired> ParsePaymentRequiredHeader(std::string_view header_value) {
  if (header_value.size() > kMaxPaymentRequiredBytes) return Invalid("the header is too large");
  std::string text;
  if (!DecodeBase64(header_value, text)) return Invalid("PAYMENT-REQUIRED is not base64");
  auto doc = ParseBoundedJson(text, Limits());
  if (!doc.ok()) return Invalid(doc.status().message());
  auto pr = FromDocument(*doc);
  if (pr.ok() && pr->version != 2) return Invalid("PAYMENT-REQUIRED carries x402Version 1");
  return pr;
}

Result<PaymentRequired> ParsePaymentRequiredBody(std::string_view body) {
  auto doc = ParseBoundedJson(body, Limits());
  if (!doc.ok()) return Invalid(doc.status().message());
  return FromDocument(*doc);
}

}  // namespace stub::x402
