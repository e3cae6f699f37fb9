// What an x402 resource server asks for, read from its 402 answer:
//   v2 — the PAYMENT-REQUIRED header: base64 of JSON {x402Version: 2, error?,
//        resource: {url, description?, mimeType?}, accepts: [{scheme, network
//        (CAIP-2), amount, asset, payTo, maxTimeoutSeconds, extra}],
//        extensions?};
//   v1 — the JSON body: {x402Version: 1, error?, accepts: [{scheme, network
//        (a name), maxAmountRequired, resource, description, mimeType, payTo,
//        maxTimeoutSeconds, asset, extra, outputSchema?}]}.
//
// Parsing is bounded (core/json_input.h) and strict about what Stub signs
// over (amount, asset, payTo, network, timeout, the EIP-712 name/version);
// other fields are kept verbatim so a v2 payment can echo its requirement
// exactly, as the protocol asks.
//
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "x402/eip3009.h"
#include "x402/eth_address.h"

namespace stub::x402 {

// Bounds on what a resource server may send (far above any real one).
inline constexpr std::size_t kMaxPaymentRequiredBytes = 64 * 1024;
inline constexpr std::size_t kMaxRequirements = 32;
// A payment authorization is valid for at most this long after signing.
inline constexpr std::int64_t kMaxPaymentTimeoutSeconds = 24 * 3600;

// One payment option. `usable` is false, with `unusable_why`, when the
// option is not an EVM "exact" payment Stub can make (another scheme or chain
// family, or a field Stub would sign over is malformed); such options are
// kept so a refusal can say what was offered.
struct PaymentRequirement {
  std::string scheme;
  std::string network;  // as the server wrote it
  std::optional<std::uint64_t> chain_id;
  Uint128 amount = 0;  // atomic units of the asset
  Address asset;
  Address pay_to;
  std::int64_t max_timeout_seconds = 0;
  std::string token_name;     // extra.name: the token's EIP-712 domain name
  std::string token_version;  // extra.version
  std::string resource;       // v1: per option; v2: the document's resource.url
  std::string description;
  bool usable = false;
  std::string unusable_why;
  nlohmann::json raw;  // the option exactly as received
};

struct PaymentRequired {
  int version = 0;    // 1 or 2
  std::string error;  // the server's own words, if any
  std::vector<PaymentRequirement> accepts;
  nlohmann::json resource;    // v2: the resource object, verbatim (null in v1)
  nlohmann::json extensions;  // v2: verbatim (null if absent)
};

// Parses a v2 PAYMENT-REQUIRED header value. Errors: kInvalidArgument
// "x402_invalid_requirements" naming what is wrong.
Result<PaymentRequired> ParsePaymentRequiredHeader(std::string_view header_value);

// Parses a v1 402 body (a v2 document in a body is accepted too). Errors:
// kInvalidArgument "x402_invalid_requirements".
Result<PaymentRequired> ParsePaymentRequiredBody(std::string_view body);

}  // namespace stub::x402
