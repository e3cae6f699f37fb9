// The x402 paying fetch (issue 22): Stub requests a URL for an agent, and
// when the resource answers 402 Payment Required, decides, signs, pays and
// books it — the agent never holds a wallet key.
//
//   1. The URL is fetched (redirects followed, at most kMaxRedirects, each
//      hop checked: only public addresses unless the server allows private
//      ones). An answer other than 402 is returned as it is; nothing is
//      held.
//   2. On 402 the requirements are read (v2 PAYMENT-REQUIRED header, else a
//      v1 body) and an option is chosen that the org's wallet allows, within
//      max_amount (x402/payment_choice.h). A refusal holds nothing.
//   3. The amount is held through every limit and policy (vendor: the
//      resource's host; category: the wallet's), under the caller's
//      idempotency key (server/x402_payments.h). A denial signs nothing.
//   4. The signer signs an EIP-3009 transferWithAuthorization (random
//      nonce, valid from 10 minutes ago to maxTimeoutSeconds from now) and
//      the request is retried once with PAYMENT-SIGNATURE (v2) or X-PAYMENT
//      (v1), to the URL that answered 402, exactly once, on a fresh connection
//      (never resent: a resent payment could be settled twice); it follows
//      no redirect.
//   5. The retry's outcome decides the books:
//        - nothing was sent (cannot connect): the hold is voided;
//        - the server proves it took no payment (a 402 whose settlement says
//          success: false, or whose requirements carry an error): voided;
//        - otherwise the hold is captured in full with a receipt (scheme,
//          network, asset, payTo, atomic amount, payer, nonce, validity,
//          transaction hash, resource, description), flagged
//          "settled": false when no settlement header came back.
//
// Thread-safe; blocks on the resource server, the signer and the store: call
// it on a worker of the slow lane.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "server/upstream_exchange.h"
#include "server/x402_payments.h"

namespace stub {

inline constexpr int kMaxRedirects = 5;
inline constexpr std::size_t kMaxX402AnswerBytes = 8 << 20;
inline constexpr std::size_t kMaxX402RequestBodyBytes = 512 * 1024;

struct X402FetchRequest {
  X402Context payer;
  std::string url;
  std::string method = "GET";
  HeaderList headers;  // lowercase names
  std::string body;
};

struct X402FetchResult {
  // The resource's answer (absent when the paid retry got none: the payment
  // was booked unsettled, as it may have moved money).
  bool answered = false;
  UpstreamAnswer answer;
  X402Booking booking;  // decision kFree when no payment was asked
};

class X402Payer {
 public:
  // `allow_private`: let fetches reach loopback and private addresses
  // (`stub serve --allow-private-fetch`; tests and local fixtures only).
  X402Payer(X402Payments& payments, bool allow_private, UpstreamTimeouts timeouts);

  // Errors (nothing is held unless said): kInvalidArgument (the request);
  // X402Payments::OpenWallet's and Authorize's; target_not_public;
  // kUnavailable upstream_unavailable / upstream_no_answer (before any
  // payment was sent); x402_invalid_requirements for a 402 Stub cannot read.
  Result<X402FetchResult> Fetch(const X402FetchRequest& request);

 private:
  X402Payments& payments_;
  UpstreamTimeouts timeouts_;
  UpstreamPool pool_;
};

}  // namespace stub
