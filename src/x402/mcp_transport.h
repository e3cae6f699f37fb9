// x402's MCP transport (x402 specs/transports-v2/mcp.md): where a paid MCP
// tool says what it asks, and where its settlement comes back.
//
//   asking   — a tools/call result with isError: true holding PaymentRequired,
//              looked for in this order: structuredContent itself;
//              structuredContent["x402/error"].data; content[0].text parsed
//              as JSON, either PaymentRequired or {"x402/error": {code: 402,
//              data: PaymentRequired}}. Older servers answer a JSON-RPC error
//              with code 402 whose data is PaymentRequired; that is read too.
//   paying   — the retried call carries the PaymentPayload document in
//              params._meta["x402/payment"] (kMcpPaymentMetaKey).
//   settling — result._meta["x402/payment-response"]; a failed settlement is
//              an isError result holding PaymentRequired with
//              structuredContent["x402/payment-response"].success == false.
//
// Pure and thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "x402/payment_payload.h"
#include "x402/payment_required.h"

namespace stub::x402 {

inline constexpr std::string_view kMcpPaymentMetaKey = "x402/payment";
inline constexpr std::string_view kMcpSettlementMetaKey = "x402/payment-response";

// The PaymentRequired a tool result asks with: nullopt when the result asks
// for no payment (not isError, or an error of the tool's own); an error
// (x402_invalid_requirements) when it asks with a document Stub cannot read.
std::optional<Result<PaymentRequired>> PaymentRequiredInToolResult(const nlohmann::json& result);

// The same for a JSON-RPC error object ({code: 402, data: PaymentRequired}).
std::optional<Result<PaymentRequired>> PaymentRequiredInRpcError(const nlohmann::json& error);

// The settlement in a tool result (_meta, or structuredContent for a failed
// one): nullopt when there is none; an error (x402_invalid_settlement) when
// it is unreadable.
std::optional<Result<Settlement>> SettlementInToolResult(const nlohmann::json& result);

}  // namespace stub::x402
