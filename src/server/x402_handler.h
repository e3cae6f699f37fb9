// x402 payments made for agents (agent keys):
//   POST /v1/x402/fetch     — the paying fetch (server/x402_payer.h);
//   POST /v1/x402/mcp/call  — a paid MCP tool's call (server/x402_mcp_payer.h).
//
// /v1/x402/fetch body: {"url", "method"? ("GET"), "headers"? {name: value},
//        "body"? (text) | "body_base64"?, "max_amount"? ("0.05"),
//        "wallet"? (the org's only wallet when absent),
//        "session"?, "user"?, "intent"?, "idempotency_key"}
//
// Answers:
//   200 {"decision": "free" | "paid" | "not_paid", "status", "headers",
//        "body" | "body_base64", and when a payment was made "hold_id",
//        "amount", "payment" (the receipt's x402 part), and "spend_id" when
//        it was booked};
//
// /v1/x402/mcp/call body: {"url" (the MCP endpoint), "tool", "arguments"? {},
//        "headers"?, "max_amount"?, "wallet"?, "session"?, "user"?,
//        "intent"?, "idempotency_key"}; answers as the fetch does, with
//        "result" (the tool's CallToolResult, as the server sent it) or
//        "mcp_error" (the server's JSON-RPC error) in place of the status,
//        headers and body, and 502 mcp_protocol_error when the server does
//        not speak MCP as it should (before any payment).
//
// Both:
//   402 {"error": {"code": <Stub's reason>}, "decision": "denied", "outcome"}
//        when a limit or policy denies it, or x402_over_max_amount,
//        x402_asset_not_allowed, x402_network_not_allowed,
//        x402_no_payable_option when Stub will not pay what is asked —
//        nothing is signed;
//   409 x402_no_wallet, x402_signer_missing, x402_signer_changed,
//        idempotent_replay (the fetch was paid before; its answer is not
//        kept), idempotency_key_in_flight;
//   403 target_not_public; 502 upstream_unavailable (nothing was paid),
//        x402_invalid_requirements, and upstream_no_answer — with
//        "decision": "paid" and the spend when the payment went out and no
//        answer came back.
//
// Thread-safe; every reference must outlive it.
#pragma once

#include "server/api_types.h"
#include "server/auth.h"
#include "server/router.h"
#include "server/x402_mcp_payer.h"
#include "server/x402_payer.h"

namespace stub {

inline constexpr std::string_view kX402PathPrefix = "/v1/x402/";

class X402Handler {
 public:
  X402Handler(X402Payer& payer, X402McpPayer& mcp_payer, const Authenticator& auth)
      : payer_(payer), mcp_payer_(mcp_payer), auth_(auth) {}

  void AddRoutes(Router& router);

  ApiResponse Fetch(const ApiRequest& request);
  ApiResponse CallTool(const ApiRequest& request);

 private:
  X402Payer& payer_;
  X402McpPayer& mcp_payer_;
  const Authenticator& auth_;
};

}  // namespace stub
