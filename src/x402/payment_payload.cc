#include "x402/payment_payload.h"

#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "core/json_input.h"
#include "core/sha256.h"

namespace stub::x402 {

using nlohmann::json;

namespace {

Status InvalidSettlement(std::string why) {
  return InvalidArgument("the settlement is malformed: " + std::move(why),
                         "x402_invalid_settlement");
}

}  // namespace

json EncodePaymentPayload(const PaymentRequired& required, const PaymentRequirement& chosen,
                          const TransferAuthorization& auth, const Signature& signature) {
  const json payload = {{"authorization",
                         {{"from", ToChecksumHex(auth.from)},
                          {"to", ToChecksumHex(auth.to)},
                          {"value", Uint128ToDecimal(auth.value)},
                          {"validAfter", std::to_string(auth.valid_after)},
                          {"validBefore", std::to_string(auth.valid_before)},
                          {"nonce", "0x" + ToHex(auth.nonce)}}},
                        {"signature", SignatureHex(signature)}};
  if (required.version == 1) {
    return {{"x402Version", 1},
            {"scheme", chosen.scheme},
            {"network", chosen.network},
            {"payload", payload}};
  }
  json doc = {{"x402Version", 2},
              {"payload", payload},
              {"resource", required.resource},
              {"accepted", chosen.raw}};
  if (!required.extensions.is_null()) doc["extensions"] = required.extensions;
  return doc;
}

HeaderField EncodePaymentHeader(const PaymentRequired& required, const PaymentRequirement& chosen,
                                const TransferAuthorization& auth, const Signature& signature) {
  return {required.version == 1 ? "X-PAYMENT" : "PAYMENT-SIGNATURE",
          EncodeBase64(EncodePaymentPayload(required, chosen, auth, signature).dump())};
}

std::string_view SettlementHeaderName(int version) {
  return version == 1 ? "X-PAYMENT-RESPONSE" : "PAYMENT-RESPONSE";
}

Result<Settlement> ParseSettlementHeader(std::string_view header_value) {
  if (header_value.size() > kMaxSettlementBytes) return InvalidSettlement("too large");
  std::string text;
  if (!DecodeBase64(header_value, text)) return InvalidSettlement("not base64");
  JsonLimits limits;
  limits.max_bytes = kMaxSettlementBytes;
  limits.max_depth = 8;
  auto doc = ParseBoundedJson(text, limits);
  if (!doc.ok()) return InvalidSettlement(doc.status().message());
  return ReadSettlement(*doc);
}

Result<Settlement> ReadSettlement(const json& doc) {
  if (!doc.is_object()) return InvalidSettlement("not a JSON object");
  const auto success = doc.find("success");
  if (success == doc.end() || !success->is_boolean()) {
    return InvalidSettlement("success is not a boolean");
  }
  const auto str = [&](const char* key) {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Settlement s;
  s.success = success->get<bool>();
  s.transaction = str("transaction");
  s.network = str("network");
  s.payer = str("payer");
  s.error_reason = str("errorReason");
  return s;
}

}  // namespace stub::x402
