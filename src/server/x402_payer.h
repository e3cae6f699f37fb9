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
//      idempotency key. A denial signs nothing. The hold is
//      capture_on_expiry: once a payment is signed and sent, money may
//      move, so a hold whose outcome Stub never learns is booked in full.
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

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/outcome.h"
#include "core/status.h"
#include "engine/batcher.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "server/signer_registry.h"
#include "server/upstream_client.h"

namespace stub {

inline constexpr int kMaxRedirects = 5;
inline constexpr std::size_t kMaxX402AnswerBytes = 8 << 20;
inline constexpr std::size_t kMaxX402RequestBodyBytes = 512 * 1024;
// How long a payment hold outlives the payment's own validity window.
inline constexpr Timestamp kX402HoldMargin = 10 * 60 * kMicrosPerSecond;

struct X402FetchRequest {
  std::string org;
  std::string agent;
  std::optional<KeyCheck> key_check;
  std::string url;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;  // lowercase names
  std::string body;
  std::optional<Micros> max_amount;
  std::string wallet;  // "" = the org's only wallet
  std::string session, user, intent;
  std::string idempotency_key;
};

struct X402FetchResult {
  // The resource's answer (absent when the paid retry got none: the payment
  // was booked unsettled, as it may have moved money).
  bool answered = false;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // What Stub decided: "free" (no 402), "paid", "not_paid" (the server
  // refused the payment; the hold voided), "denied".
  std::string decision = "free";
  std::optional<Outcome> denial;  // decision "denied"
  std::string hold_id, spend_id;
  Micros amount = 0;
  nlohmann::json payment;  // the receipt's x402 part, when a payment was made
};

class X402Payer {
 public:
  // `allow_private`: let fetches reach loopback and private addresses
  // (`stub serve --allow-private-fetch`; tests and local fixtures only).
  X402Payer(Engine& engine, SpendBatcher& batcher, const SignerRegistry& signers,
            const Clock& clock, bool allow_private, UpstreamTimeouts timeouts);

  // Errors (nothing is held unless said): kInvalidArgument (the request);
  // kFailedPrecondition x402_no_wallet, x402_signer_missing,
  // x402_signer_changed, x402_* choice refusals, target_not_public;
  // kUnavailable upstream_unavailable / upstream_no_answer (before any
  // payment was sent); kConflict-like 409s for idempotency
  // (idempotent_replay, idempotency_key_in_flight); x402_invalid_requirements
  // for a 402 Stub cannot read.
  Result<X402FetchResult> Fetch(const X402FetchRequest& request);

 private:
  Engine& engine_;
  SpendBatcher& batcher_;
  const Clock& clock_;
  const SignerRegistry& signers_;
  UpstreamTimeouts timeouts_;
  UpstreamPool pool_;
};

}  // namespace stub
