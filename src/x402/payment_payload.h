// What Stub sends back to an x402 resource server, and what it answers:
//   v2 — PAYMENT-SIGNATURE: base64 of JSON {x402Version: 2, payload:
//        {authorization, signature}, extensions, resource, accepted} where
//        `accepted` is the chosen option verbatim; the settlement comes back
//        in PAYMENT-RESPONSE;
//   v1 — X-PAYMENT: base64 of JSON {x402Version: 1, scheme, network, payload:
//        {authorization, signature}}; the settlement comes back in
//        X-PAYMENT-RESPONSE.
// `authorization` is {from, to, value, validAfter, validBefore, nonce}: the
// addresses EIP-55 checksummed, the integers as decimal strings, the nonce
// as 0x + 64 hex digits — as @x402/evm writes it.
//
// Pure and thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "x402/eip3009.h"
#include "x402/payment_required.h"
#include "x402/signer.h"

namespace stub::x402 {

struct HeaderField {
  std::string name;
  std::string value;
};

// The payment for option `chosen` of `required`: the PaymentPayload document
// (v2 or v1 as `required` is). x402's MCP transport sends it as it is, in a
// tool call's `_meta["x402/payment"]`. REQUIRES: chosen is one of
// required.accepts.
nlohmann::json EncodePaymentPayload(const PaymentRequired& required,
                                    const PaymentRequirement& chosen,
                                    const TransferAuthorization& auth, const Signature& signature);

// The same payment as the HTTP header that retries the request: base64 of the
// document, in PAYMENT-SIGNATURE (v2) or X-PAYMENT (v1).
HeaderField EncodePaymentHeader(const PaymentRequired& required, const PaymentRequirement& chosen,
                                const TransferAuthorization& auth, const Signature& signature);

// The header a settlement answer comes back in, for `version`.
std::string_view SettlementHeaderName(int version);

// The most a settlement (its JSON) may hold.
inline constexpr std::size_t kMaxSettlementBytes = 16 * 1024;

// A facilitator's settlement as the resource server relays it.
struct Settlement {
  bool success = false;
  std::string transaction;  // the settlement transaction hash
  std::string network;
  std::string payer;
  std::string error_reason;
};

// Parses a PAYMENT-RESPONSE / X-PAYMENT-RESPONSE value (base64 JSON). Errors:
// kInvalidArgument "x402_invalid_settlement".
Result<Settlement> ParseSettlementHeader(std::string_view header_value);

// Reads a settlement already parsed (MCP's `_meta["x402/payment-response"]`).
// REQUIRES: `doc` serializes to at most kMaxSettlementBytes. Errors: as above.
Result<Settlement> ReadSettlement(const nlohmann::json& doc);

}  // namespace stub::x402
