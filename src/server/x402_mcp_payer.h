// x402 over MCP (issue 22): Stub calls a paid MCP server's tool for an agent
// and, when the tool asks for an x402 payment, decides, signs, pays and books
// it as the paying fetch does (server/x402_payer.h), with x402's MCP
// transport (x402/mcp_transport.h) in place of HTTP headers:
//
//   1. A session is opened with the server (server/mcp_client.h; only public
//      addresses unless the server allows private ones) and the tool is
//      called without payment. A result that asks for none is returned as it
//      is; nothing is held.
//   2. Asked to pay, Stub chooses, holds (vendor: the MCP server's host) and
//      signs (server/x402_payments.h). A denial signs nothing.
//   3. The tool is called again, exactly once, on a fresh connection, with
//      the payment in params._meta["x402/payment"].
//   4. The books, as for HTTP: nothing sent, voided; the server proves it
//      took no payment (its settlement says success: false, or it asks again
//      naming an error), voided; otherwise captured in full with the receipt
//      (transport "mcp", the tool, the settlement transaction from
//      result._meta["x402/payment-response"]), "settled": false when none
//      came back.
//
// Thread-safe; blocks on the MCP server, the signer and the store: call it on
// a worker of the slow lane.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "server/mcp_client.h"
#include "server/upstream_exchange.h"
#include "server/x402_payments.h"

namespace stub {

struct X402ToolCallRequest {
  X402Context payer;
  std::string url;  // the MCP server's Streamable HTTP endpoint
  std::string tool;
  nlohmann::json arguments = nlohmann::json::object();
  HeaderList headers;  // lowercase names; sent with every request
};

struct X402ToolCallResult {
  // The server's response to the call (to the paid one when a payment was
  // made); absent when the paid call got none: the payment was booked
  // unsettled, as it may have moved money.
  bool answered = false;
  McpReply reply;
  X402Booking booking;  // decision kFree when no payment was asked
};

class X402McpPayer {
 public:
  // `allow_private` as X402Payer's.
  X402McpPayer(X402Payments& payments, bool allow_private, UpstreamTimeouts timeouts);

  // Errors (nothing is held unless said): X402Payments::OpenWallet's and
  // Authorize's; McpClientSession's (target_not_public, upstream_unavailable,
  // upstream_no_answer, mcp_protocol_error) before a payment was sent;
  // x402_invalid_requirements when the tool asks with a document Stub
  // cannot read.
  Result<X402ToolCallResult> Call(const X402ToolCallRequest& request);

 private:
  X402Payments& payments_;
  UpstreamTimeouts timeouts_;
  UpstreamPool pool_;
};

}  // namespace stub
