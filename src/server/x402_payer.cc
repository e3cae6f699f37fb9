#include "server/x402_payer.h"

#include "server/fetch_target.h"
#include "x402/payment_payload.h"
#include "x402/payment_required.h"

namespace stub {
namespace {

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// The server's proof that a paid request moved no money: a 402 whose
// settlement says success: false, or whose requirements name an error.
std::optional<std::string> NotPaidProof(const UpstreamAnswer& a, int version) {
  if (a.status != 402) return std::nullopt;
  if (auto header = a.Header(x402::SettlementHeaderName(version)); !header.empty()) {
    auto s = x402::ParseSettlementHeader(header);
    if (s.ok() && !s->success)
      return s->error_reason.empty() ? "settlement failed" : s->error_reason;
  }
  if (auto header = a.Header("payment-required"); !header.empty()) {
    auto pr = x402::ParsePaymentRequiredHeader(header);
    if (pr.ok() && !pr->error.empty()) return pr->error;
  }
  auto pr = x402::ParsePaymentRequiredBody(a.body);
  if (pr.ok() && !pr->error.empty()) return pr->error;
  return std::nullopt;
}

// How the paid request ended, for the books.
X402Delivery FetchDelivery(const Result<UpstreamAnswer>& paid, int version) {
  if (!paid.ok()) return FailedDelivery(paid.status());
  const std::string_view header = paid->Header(x402::SettlementHeaderName(version));
  std::optional<Result<x402::Settlement>> settlement;
  if (!header.empty()) settlement = x402::ParseSettlementHeader(header);
  return AnsweredDelivery(NotPaidProof(*paid, version), std::move(settlement),
                          "no settlement header");
}

}  // namespace

X402Payer::X402Payer(X402Payments& payments, bool allow_private, UpstreamTimeouts timeouts)
    : payments_(payments),
      timeouts_(timeouts),
      pool_(16, allow_private ? UpstreamReach::kAny : UpstreamReach::kPublicOnly) {}

Result<X402FetchResult> X402Payer::Fetch(const X402FetchRequest& request) {
  // The wallet and its signer, before anything leaves the server.
  STUB_ASSIGN_OR_RETURN(PayingWallet wallet,
                        payments_.OpenWallet(request.payer.org, request.payer.wallet));
  STUB_ASSIGN_OR_RETURN(FetchTarget target, FetchTarget::Parse(request.url));
  // The payment headers are Stub's to send.
  HeaderList headers = AgentHeaders(request.headers, {"payment-signature", "x-payment"});

  // --- the unpaid request, following redirects ---
  std::string method = request.method;
  std::string body = request.body;
  UpstreamAnswer first;
  for (int hop = 0;; ++hop) {
    STUB_ASSIGN_OR_RETURN(
        first, ExchangeWhole(pool_, target, method, headers, body, timeouts_, kMaxX402AnswerBytes));
    if (!IsRedirect(first.status) || hop == kMaxRedirects) break;
    const std::string_view location = first.Header("location");
    if (location.empty()) break;
    STUB_ASSIGN_OR_RETURN(FetchTarget next, target.Resolve(location));
    if (next.origin.host != target.origin.host || next.origin.port != target.origin.port ||
        next.origin.tls != target.origin.tls) {
      // The agent's credentials were meant for the first origin, not this one.
      std::erase_if(
          headers, [](const auto& h) { return h.first == "authorization" || h.first == "cookie"; });
    }
    target = std::move(next);
    if (first.status == 303 || ((first.status == 301 || first.status == 302) && method == "POST")) {
      method = "GET";
      body.clear();
    }
  }
  X402FetchResult out;
  if (first.status != 402) {
    out.answered = true;
    out.answer = std::move(first);
    return out;
  }

  // --- what is asked, what Stub will pay, the hold and the signature ---
  const std::string_view required_header = first.Header("payment-required");
  STUB_ASSIGN_OR_RETURN(x402::PaymentRequired required,
                        required_header.empty()
                            ? x402::ParsePaymentRequiredBody(first.body)
                            : x402::ParsePaymentRequiredHeader(required_header));
  STUB_ASSIGN_OR_RETURN(X402Authorization held,
                        payments_.Authorize(wallet, required, request.payer, target.origin.host,
                                            {{"resource", target.url}, {"url", target.url}}));
  if (held.decision == X402Decision::kDenied) {
    out.booking.decision = X402Decision::kDenied;
    out.booking.denial = std::move(held.denial);
    return out;
  }

  // --- the paid retry, exactly once: a resend of a signed payment could be
  // settled twice, or refused as a replay after the first was settled ---
  HeaderList paid_headers = headers;
  paid_headers.emplace_back(held.header.name, held.header.value);
  auto paid = ExchangeWhole(pool_, target, method, paid_headers, body, timeouts_,
                            kMaxX402AnswerBytes, UpstreamCall::Resend::kNever);
  const X402Delivery ended = FetchDelivery(paid, held.version);
  if (ended.kind == X402Delivery::Kind::kNotSent) {
    (void)payments_.Book(held, ended);
    return paid.status();
  }
  STUB_ASSIGN_OR_RETURN(out.booking, payments_.Book(held, ended));
  if (paid.ok()) {
    out.answered = true;
    out.answer = std::move(*paid);
  }
  return out;
}

}  // namespace stub
