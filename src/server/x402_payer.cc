#include "server/x402_payer.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "core/canonical_json.h"
#include "core/sha256.h"
#include "core/text_limits.h"
#include "core/vendor.h"
#include "engine/hold_reservation.h"
#include "server/fetch_target.h"
#include "x402/eip3009.h"
#include "x402/payment_choice.h"
#include "x402/payment_payload.h"
#include "x402/payment_required.h"
#include "x402/wallet_config.h"

namespace stub {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

// Headers Stub sets or that belong to one connection: never taken from the
// agent, never passed back.
bool IsHopOrStubHeader(std::string_view name) {
  for (std::string_view h :
       {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
        "trailer", "proxy-authorization", "proxy-connection", "payment-signature", "x-payment"}) {
    if (name == h) return true;
  }
  return false;
}

// One answer, read whole (bounded).
struct UpstreamAnswer {
  int status = 0;
  Headers headers;
  std::string body;
  // The header's value, or "" (`name` in any case; UpstreamCall lowercases
  // the names it read).
  std::string_view Header(std::string_view name) const {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& [n, v] : headers) {
      if (n == lower) return v;
    }
    return {};
  }
};

// `resend` as UpstreamCall::Start's: the paid request goes exactly once, on
// a fresh connection.
Result<UpstreamAnswer> Exchange(
    UpstreamPool& pool, const FetchTarget& t, std::string_view method, const Headers& headers,
    std::string_view body, UpstreamTimeouts timeouts,
    UpstreamCall::Resend resend = UpstreamCall::Resend::kOnStaleConnection) {
  STUB_ASSIGN_OR_RETURN(auto call, UpstreamCall::Start(pool, t.origin, method, t.target, headers,
                                                       body, timeouts, resend));
  UpstreamAnswer a;
  a.status = call->status();
  a.headers = call->headers();
  auto text = call->ReadAll(kMaxX402AnswerBytes);
  if (!text.ok()) {
    // The request went out and its answer began: whatever broke, the upstream
    // may have acted on it (a paid request is never voided past here).
    const std::string_view reason = text.status().reason();
    return Status(text.status().code(), text.status().message(),
                  reason == "upstream_too_large" ? std::string(reason) : "upstream_no_answer");
  }
  a.body = std::move(*text);
  return a;
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

Status Refused(std::string msg, std::string reason) {
  return FailedPrecondition(std::move(msg), std::move(reason));
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

}  // namespace

X402Payer::X402Payer(Engine& engine, SpendBatcher& batcher, const SignerRegistry& signers,
                     const Clock& clock, bool allow_private, UpstreamTimeouts timeouts)
    : engine_(engine),
      batcher_(batcher),
      clock_(clock),
      signers_(signers),
      timeouts_(timeouts),
      pool_(16, allow_private ? UpstreamReach::kAny : UpstreamReach::kPublicOnly) {}

Result<X402FetchResult> X402Payer::Fetch(const X402FetchRequest& request) {
  // --- the wallet and its signer, before anything leaves the server ---
  std::optional<WalletRow> row;
  if (request.wallet.empty()) {
    STUB_ASSIGN_OR_RETURN(std::vector<WalletRow> all, engine_.ListWallets(request.org));
    if (all.size() > 1) {
      return InvalidArgument("the org has several wallets: name one in 'wallet'",
                             "invalid_request");
    }
    if (!all.empty()) row = std::move(all[0]);
  } else {
    STUB_ASSIGN_OR_RETURN(row, engine_.GetWallet(request.org, request.wallet));
  }
  if (!row) {
    return Refused("the org has no x402 wallet" +
                       (request.wallet.empty() ? std::string() : " '" + request.wallet + "'") +
                       ": an admin sets one with PUT /v1/wallets/{id}",
                   "x402_no_wallet");
  }
  STUB_ASSIGN_OR_RETURN(x402::WalletConfig wallet, x402::WalletFromStored(row->id, row->config));
  std::shared_ptr<x402::Signer> signer = signers_.Find(wallet.signer);
  if (!signer) {
    return Refused("wallet '" + wallet.id + "' names signer '" + wallet.signer +
                       "', which this server was not started with (--signer)",
                   "x402_signer_missing");
  }
  STUB_ASSIGN_OR_RETURN(FetchTarget target, FetchTarget::Parse(request.url));

  Headers headers;
  for (const auto& [name, value] : request.headers) {
    if (!IsHopOrStubHeader(name)) headers.emplace_back(name, value);
  }
  headers.emplace_back("user-agent", "stub-x402");

  // --- 1. the unpaid request, following redirects ---
  std::string method = request.method;
  std::string body = request.body;
  UpstreamAnswer first;
  for (int hop = 0;; ++hop) {
    STUB_ASSIGN_OR_RETURN(first, Exchange(pool_, target, method, headers, body, timeouts_));
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
    out.status = first.status;
    out.headers = std::move(first.headers);
    out.body = std::move(first.body);
    return out;
  }

  // --- 2. what is asked, and what Stub will pay ---
  const std::string_view required_header = first.Header("payment-required");
  STUB_ASSIGN_OR_RETURN(x402::PaymentRequired required,
                        required_header.empty()
                            ? x402::ParsePaymentRequiredBody(first.body)
                            : x402::ParsePaymentRequiredHeader(required_header));
  STUB_ASSIGN_OR_RETURN(x402::PaymentChoice choice,
                        x402::ChoosePayment(required, wallet.terms, request.max_amount));
  const x402::PaymentRequirement& option = required.accepts[choice.index];
  STUB_ASSIGN_OR_RETURN(x402::Address payer, signer->GetAddress());
  if (payer != wallet.address) {
    return Refused("signer '" + wallet.signer + "' now has address " + x402::ToChecksumHex(payer) +
                       ", not the wallet's " + x402::ToChecksumHex(wallet.address) +
                       ": an admin puts the wallet again to pay from the new address",
                   "x402_signer_changed");
  }

  // --- 3. the hold ---
  HoldRequest hold;
  hold.ttl = option.max_timeout_seconds * kMicrosPerSecond + kX402HoldMargin;
  hold.capture_on_expiry = true;
  SpendRequest& spend = hold.spend;
  spend.org = request.org;
  spend.agent = request.agent;
  spend.amount = choice.amount;
  STUB_ASSIGN_OR_RETURN(spend.vendor, NormalizeVendor(target.origin.host));
  spend.category = wallet.category;
  spend.session = request.session;
  spend.user = request.user;
  spend.intent = request.intent;
  spend.key_check = request.key_check;
  STUB_ASSIGN_OR_RETURN(Reservation reserved, ReserveHold(batcher_, engine_, std::move(hold),
                                                          "x402:" + request.idempotency_key));
  using Kind = Reservation::Kind;
  switch (reserved.kind) {
    case Kind::kAlreadyCharged:
      return Status(StatusCode::kFailedPrecondition,
                    "this fetch was paid already (spend " + reserved.spend_id +
                        "); its answer is not kept, so it is not repeated",
                    "idempotent_replay");
    case Kind::kInFlight:
      return Status(StatusCode::kFailedPrecondition,
                    "a fetch with this idempotency key is still in flight",
                    "idempotency_key_in_flight");
    case Kind::kTooManyAttempts:
      return Status(StatusCode::kFailedPrecondition,
                    "this idempotency key was tried too many times", "idempotency_key_reused");
    case Kind::kDenied:
      out.decision = "denied";
      out.denial = std::move(reserved.outcome);
      return out;
    case Kind::kPendingApproval:
      // A payment cannot wait for a person: the hold goes, the answer says why.
      (void)engine_.Void(request.org, reserved.outcome.id);
      return Status(StatusCode::kFailedPrecondition,
                    "this payment is above the approval threshold; x402 fetches cannot wait "
                    "for an approval",
                    "approval_required");
    case Kind::kHeld:
      break;
  }
  out.hold_id = reserved.outcome.id;
  out.amount = choice.amount;
  const auto void_hold = [&](std::string_view why) {
    auto voided = engine_.Void(request.org, out.hold_id);
    if (!voided.ok()) {
      // The hold stays: it is captured in full at its expiry.
      spdlog::warn("x402: voiding hold {} ({}) failed: {}", out.hold_id, why,
                   voided.status().ToString());
    }
  };

  // --- 4. the signature ---
  const std::int64_t now_s = clock_.Now() / kMicrosPerSecond;
  x402::TransferAuthorization auth;
  auth.from = payer;
  auth.to = option.pay_to;
  auth.value = option.amount;
  auth.valid_after = static_cast<std::uint64_t>(std::max<std::int64_t>(now_s - 600, 0));
  auth.valid_before = static_cast<std::uint64_t>(now_s + option.max_timeout_seconds);
  if (RAND_bytes(auth.nonce.data(), static_cast<int>(auth.nonce.size())) != 1) {
    void_hold("no randomness");
    return Internal("the CSPRNG failed");
  }
  const x402::Eip712Domain domain{option.token_name, option.token_version, *option.chain_id,
                                  option.asset};
  x402::SignRequest sign{x402::TransferAuthorizationDigest(domain, auth),
                         x402::TransferAuthorizationTypedData(domain, auth)};
  auto signature = signer->Sign(sign);
  if (!signature.ok()) {
    void_hold("signing failed");
    return signature.status();
  }

  // --- 5. the paid retry, and the books ---
  const x402::HeaderField payment = x402::EncodePaymentHeader(required, option, auth, *signature);
  Headers paid_headers = headers;
  paid_headers.emplace_back(payment.name, payment.value);
  json receipt = {{"scheme", option.scheme},
                  {"network", option.network},
                  {"asset", x402::ToChecksumHex(option.asset)},
                  {"pay_to", x402::ToChecksumHex(option.pay_to)},
                  {"amount_atomic", x402::Uint128ToDecimal(option.amount)},
                  {"payer", x402::ToChecksumHex(payer)},
                  {"nonce", "0x" + ToHex(auth.nonce)},
                  {"valid_after", auth.valid_after},
                  {"valid_before", auth.valid_before},
                  {"x402_version", required.version},
                  {"resource", option.resource.empty() ? target.url : option.resource},
                  {"url", target.url},
                  {"description", option.description},
                  {"wallet", wallet.id}};
  // Exactly once: a resend of a signed payment could be settled twice, or
  // refused as a replay after the first was settled.
  auto paid =
      Exchange(pool_, target, method, paid_headers, body, timeouts_, UpstreamCall::Resend::kNever);
  if (!paid.ok() && (paid.status().reason() == "upstream_unavailable" ||
                     paid.status().reason() == "target_not_public")) {
    // The payment never left (no connection): nothing can have been settled
    // with it. Any other failure came after it was sent.
    void_hold("the paid request was not sent");
    return paid.status();
  }
  if (paid.ok()) {
    out.answered = true;
    out.status = paid->status;
    out.headers = paid->headers;
    out.body = paid->body;
    if (auto proof = NotPaidProof(*paid, required.version)) {
      void_hold("the server refused the payment");
      out.decision = "not_paid";
      receipt["settled"] = false;
      receipt["refused"] = *proof;
      out.payment = std::move(receipt);
      return out;
    }
    if (auto header = paid->Header(x402::SettlementHeaderName(required.version)); !header.empty()) {
      auto settlement = x402::ParseSettlementHeader(header);
      if (settlement.ok() && settlement->success) {
        receipt["transaction"] = settlement->transaction;
        receipt["settled"] = true;
      } else {
        receipt["settled"] = false;
        receipt["unsettled_reason"] =
            settlement.ok() ? settlement->error_reason : std::string("unreadable settlement");
      }
    } else {
      receipt["settled"] = false;
      receipt["unsettled_reason"] = "no settlement header";
    }
  } else {
    receipt["settled"] = false;
    receipt["unsettled_reason"] = "no answer to the paid request";
  }
  out.decision = "paid";
  STUB_ASSIGN_OR_RETURN(std::string text, CanonicalizeReceipt(json{{"x402", receipt}}.dump()));
  auto captured = batcher_.Apply(CaptureRequest{.org = request.org,
                                                .hold_id = out.hold_id,
                                                .amount = out.amount,
                                                .receipt = std::move(text),
                                                .receipt_hash = {}});
  if (!captured.ok()) {
    // The hold is capture_on_expiry: the payment is booked in full then.
    spdlog::warn("x402: capturing hold {} failed: {}", out.hold_id, captured.status().ToString());
    return captured.status();
  }
  out.spend_id = captured->outcome.id;
  out.payment = std::move(receipt);
  return out;
}

}  // namespace stub
