#include "server/x402_mcp_payer.h"

#include "server/fetch_target.h"
#include "x402/mcp_transport.h"

namespace stub {
namespace {

using nlohmann::json;

// What the reply asks to be paid, if anything.
std::optional<Result<x402::PaymentRequired>> Asked(const McpReply& reply) {
  return reply.is_error ? x402::PaymentRequiredInRpcError(reply.error)
                        : x402::PaymentRequiredInToolResult(reply.result);
}

// How the paid call ended, for the books. The server's proof that it took
// no payment: a failed settlement, or a request to pay again that names what
// was wrong.
X402Delivery ToolCallDelivery(const Result<McpReply>& paid) {
  if (!paid.ok()) return FailedDelivery(paid.status());
  std::optional<Result<x402::Settlement>> settlement;
  if (!paid->is_error) settlement = x402::SettlementInToolResult(paid->result);
  std::optional<std::string> refused;
  if (settlement && settlement->ok() && !(*settlement)->success) {
    refused =
        (*settlement)->error_reason.empty() ? "settlement failed" : (*settlement)->error_reason;
  } else if (auto again = Asked(*paid); again && again->ok() && !(*again)->error.empty()) {
    refused = (*again)->error;
  }
  return AnsweredDelivery(std::move(refused), std::move(settlement),
                          "no settlement in the result's _meta");
}

}  // namespace

X402McpPayer::X402McpPayer(X402Payments& payments, bool allow_private, UpstreamTimeouts timeouts)
    : payments_(payments),
      timeouts_(timeouts),
      pool_(16, allow_private ? UpstreamReach::kAny : UpstreamReach::kPublicOnly) {}

Result<X402ToolCallResult> X402McpPayer::Call(const X402ToolCallRequest& request) {
  // The wallet and its signer, before anything leaves the server.
  STUB_ASSIGN_OR_RETURN(PayingWallet wallet,
                        payments_.OpenWallet(request.payer.org, request.payer.wallet));
  STUB_ASSIGN_OR_RETURN(FetchTarget endpoint, FetchTarget::Parse(request.url));
  // The protocol's headers are the MCP client's to send.
  HeaderList headers = AgentHeaders(request.headers, {"content-type", "accept", "mcp-session-id",
                                                      "mcp-protocol-version", "last-event-id"});

  // --- the unpaid call ---
  STUB_ASSIGN_OR_RETURN(auto session,
                        McpClientSession::Open(pool_, endpoint, std::move(headers), timeouts_));
  X402ToolCallResult out;
  auto first = session->CallTool(request.tool, request.arguments, nullptr);
  if (!first.ok()) {
    session->Close();
    return first.status();
  }
  auto asked = Asked(*first);
  if (!asked) {
    session->Close();
    out.answered = true;
    out.reply = std::move(*first);
    return out;
  }
  if (!asked->ok()) {
    session->Close();
    return asked->status();
  }

  // --- the choice, the hold and the signature ---
  auto held = payments_.Authorize(wallet, **asked, request.payer, endpoint.origin.host,
                                  {{"resource", endpoint.url},
                                   {"url", endpoint.url},
                                   {"transport", "mcp"},
                                   {"tool", request.tool}});
  if (!held.ok() || held->decision == X402Decision::kDenied) {
    session->Close();
    if (!held.ok()) return held.status();
    out.booking.decision = X402Decision::kDenied;
    out.booking.denial = std::move(held->denial);
    return out;
  }

  // --- the paid call, exactly once, and the books ---
  auto paid = session->CallTool(request.tool, request.arguments,
                                {{std::string(x402::kMcpPaymentMetaKey), held->payload}},
                                UpstreamCall::Resend::kNever);
  session->Close();
  const X402Delivery ended = ToolCallDelivery(paid);
  if (ended.kind == X402Delivery::Kind::kNotSent) {
    (void)payments_.Book(*held, ended);
    return paid.status();
  }
  STUB_ASSIGN_OR_RETURN(out.booking, payments_.Book(*held, ended));
  if (paid.ok()) {
    out.answered = true;
    out.reply = std::move(*paid);
  }
  return out;
}

}  // namespace stub
