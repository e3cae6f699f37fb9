#include "server/x402_payments.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/canonical_json.h"
#include "core/sha256.h"
#include "core/vendor.h"
#include "engine/hold_reservation.h"
#include "server/upstream_exchange.h"
#include "x402/eip3009.h"
#include "x402/payment_choice.h"

namespace stub {
namespace {

using nlohmann::json;

Status Refused(std::string msg, std::string reason) {
  return FailedPrecondition(std::move(msg), std::move(reason));
}

}  // namespace

std::string_view X402DecisionName(X402Decision decision) {
  switch (decision) {
    case X402Decision::kFree:
      return "free";
    case X402Decision::kPaid:
      return "paid";
    case X402Decision::kNotPaid:
      return "not_paid";
    case X402Decision::kDenied:
      return "denied";
  }
  return "denied";
}

X402Delivery FailedDelivery(const Status& status) {
  X402Delivery d;
  d.kind = NeverSent(status) ? X402Delivery::Kind::kNotSent : X402Delivery::Kind::kNoAnswer;
  return d;
}

X402Delivery AnsweredDelivery(std::optional<std::string> refused_why,
                              std::optional<Result<x402::Settlement>> settlement,
                              std::string_view missing) {
  X402Delivery d;
  if (refused_why) {
    d.kind = X402Delivery::Kind::kRefused;
    d.why = std::move(*refused_why);
    return d;
  }
  d.kind = X402Delivery::Kind::kAnswered;
  if (!settlement) {
    d.unsettled_reason = std::string(missing);
  } else if (settlement->ok()) {
    d.settlement = std::move(**settlement);
  } else {
    d.unsettled_reason = "unreadable settlement";
  }
  return d;
}

X402Payments::X402Payments(Engine& engine, SpendBatcher& batcher, const SignerRegistry& signers,
                           const Clock& clock)
    : engine_(engine), batcher_(batcher), signers_(signers), clock_(clock) {}

Result<PayingWallet> X402Payments::OpenWallet(const std::string& org,
                                              const std::string& wallet_id) const {
  std::optional<WalletRow> row;
  if (wallet_id.empty()) {
    STUB_ASSIGN_OR_RETURN(std::vector<WalletRow> all, engine_.ListWallets(org));
    if (all.size() > 1) {
      return InvalidArgument("the org has several wallets: name one in 'wallet'",
                             "invalid_request");
    }
    if (!all.empty()) row = std::move(all[0]);
  } else {
    STUB_ASSIGN_OR_RETURN(row, engine_.GetWallet(org, wallet_id));
  }
  if (!row) {
    return Refused("the org has no x402 wallet" +
                       (wallet_id.empty() ? std::string() : " '" + wallet_id + "'") +
                       ": an admin sets one with PUT /v1/wallets/{id}",
                   "x402_no_wallet");
  }
  PayingWallet out;
  STUB_ASSIGN_OR_RETURN(out.config, x402::WalletFromStored(row->id, row->config));
  out.signer = signers_.Find(out.config.signer);
  if (!out.signer) {
    return Refused("wallet '" + out.config.id + "' names signer '" + out.config.signer +
                       "', which this server was not started with (--signer)",
                   "x402_signer_missing");
  }
  return out;
}

Result<X402Authorization> X402Payments::Authorize(const PayingWallet& wallet,
                                                  const x402::PaymentRequired& required,
                                                  const X402Context& context,
                                                  std::string_view vendor_host,
                                                  const json& receipt_extra) {
  const x402::WalletConfig& config = wallet.config;
  STUB_ASSIGN_OR_RETURN(x402::PaymentChoice choice,
                        x402::ChoosePayment(required, config.terms, context.max_amount));
  const x402::PaymentRequirement& option = required.accepts[choice.index];
  STUB_ASSIGN_OR_RETURN(x402::Address payer, wallet.signer->GetAddress());
  if (payer != config.address) {
    return Refused("signer '" + config.signer + "' now has address " + x402::ToChecksumHex(payer) +
                       ", not the wallet's " + x402::ToChecksumHex(config.address) +
                       ": an admin puts the wallet again to pay from the new address",
                   "x402_signer_changed");
  }

  // --- the hold ---
  HoldRequest hold;
  hold.ttl = option.max_timeout_seconds * kMicrosPerSecond + kX402HoldMargin;
  hold.capture_on_expiry = true;
  SpendRequest& spend = hold.spend;
  spend.org = context.org;
  spend.agent = context.agent;
  spend.amount = choice.amount;
  STUB_ASSIGN_OR_RETURN(spend.vendor, NormalizeVendor(vendor_host));
  spend.category = config.category;
  spend.session = context.session;
  spend.user = context.user;
  spend.intent = context.intent;
  spend.key_check = context.key_check;
  STUB_ASSIGN_OR_RETURN(Reservation reserved, ReserveHold(batcher_, engine_, std::move(hold),
                                                          "x402:" + context.idempotency_key));
  X402Authorization out;
  out.org = context.org;
  using Kind = Reservation::Kind;
  switch (reserved.kind) {
    case Kind::kAlreadyCharged:
      return Status(StatusCode::kFailedPrecondition,
                    "this payment was made already (spend " + reserved.spend_id +
                        "); its answer is not kept, so it is not repeated",
                    "idempotent_replay");
    case Kind::kInFlight:
      return Status(StatusCode::kFailedPrecondition,
                    "a payment with this idempotency key is still in flight",
                    "idempotency_key_in_flight");
    case Kind::kTooManyAttempts:
      return Status(StatusCode::kFailedPrecondition,
                    "this idempotency key was tried too many times", "idempotency_key_reused");
    case Kind::kDenied:
      out.decision = X402Decision::kDenied;
      out.denial = std::move(reserved.outcome);
      return out;
    case Kind::kPendingApproval:
      // A payment cannot wait for a person: the hold goes, the answer says why.
      (void)engine_.Void(context.org, reserved.outcome.id);
      return Status(StatusCode::kFailedPrecondition,
                    "this payment is above the approval threshold; x402 payments cannot wait "
                    "for an approval",
                    "approval_required");
    case Kind::kHeld:
      break;
  }
  out.decision = X402Decision::kPaid;
  out.hold_id = reserved.outcome.id;
  out.amount = choice.amount;
  out.version = required.version;

  // --- the signature ---
  const std::int64_t now_s = clock_.Now() / kMicrosPerSecond;
  x402::TransferAuthorization auth;
  auth.from = payer;
  auth.to = option.pay_to;
  auth.value = option.amount;
  auth.valid_after = static_cast<std::uint64_t>(std::max<std::int64_t>(now_s - 600, 0));
  auth.valid_before = static_cast<std::uint64_t>(now_s + option.max_timeout_seconds);
  if (RAND_bytes(auth.nonce.data(), static_cast<int>(auth.nonce.size())) != 1) {
    Abandon(out, "no randomness");
    return Internal("the CSPRNG failed");
  }
  const x402::Eip712Domain domain{option.token_name, option.token_version, *option.chain_id,
                                  option.asset};
  x402::SignRequest sign{x402::TransferAuthorizationDigest(domain, auth),
                         x402::TransferAuthorizationTypedData(domain, auth)};
  auto signature = wallet.signer->Sign(sign);
  if (!signature.ok()) {
    Abandon(out, "signing failed");
    return signature.status();
  }
  out.payload = x402::EncodePaymentPayload(required, option, auth, *signature);
  out.header = x402::EncodePaymentHeader(required, option, auth, *signature);
  out.receipt = {{"scheme", option.scheme},
                 {"network", option.network},
                 {"asset", x402::ToChecksumHex(option.asset)},
                 {"pay_to", x402::ToChecksumHex(option.pay_to)},
                 {"amount_atomic", x402::Uint128ToDecimal(option.amount)},
                 {"payer", x402::ToChecksumHex(payer)},
                 {"nonce", "0x" + ToHex(auth.nonce)},
                 {"valid_after", auth.valid_after},
                 {"valid_before", auth.valid_before},
                 {"x402_version", required.version},
                 {"resource", option.resource},
                 {"description", option.description},
                 {"wallet", config.id}};
  for (const auto& [key, value] : receipt_extra.items()) {
    if (key != "resource" || option.resource.empty()) out.receipt[key] = value;
  }
  return out;
}

void X402Payments::Abandon(const X402Authorization& held, std::string_view why) {
  auto voided = engine_.Void(held.org, held.hold_id);
  if (!voided.ok()) {
    // The hold stays: it is captured in full at its expiry.
    spdlog::warn("x402: voiding hold {} ({}) failed: {}", held.hold_id, why,
                 voided.status().ToString());
  }
}

Result<X402Booking> X402Payments::Book(const X402Authorization& held, const X402Delivery& ended) {
  X402Booking out;
  out.hold_id = held.hold_id;
  out.amount = held.amount;
  json receipt = held.receipt;
  using Kind = X402Delivery::Kind;
  switch (ended.kind) {
    case Kind::kNotSent:
      Abandon(held, "the paid request was not sent");
      out.decision = X402Decision::kNotPaid;
      return out;
    case Kind::kRefused:
      Abandon(held, "the server refused the payment");
      out.decision = X402Decision::kNotPaid;
      receipt["settled"] = false;
      receipt["refused"] = ended.why;
      out.receipt = std::move(receipt);
      return out;
    case Kind::kAnswered:
      if (ended.settlement && ended.settlement->success) {
        receipt["transaction"] = ended.settlement->transaction;
        receipt["settled"] = true;
      } else {
        receipt["settled"] = false;
        receipt["unsettled_reason"] = ended.settlement && !ended.settlement->error_reason.empty()
                                          ? ended.settlement->error_reason
                                          : ended.unsettled_reason;
      }
      break;
    case Kind::kNoAnswer:
      receipt["settled"] = false;
      receipt["unsettled_reason"] = "no answer to the paid request";
      break;
  }
  out.decision = X402Decision::kPaid;
  STUB_ASSIGN_OR_RETURN(std::string text, CanonicalizeReceipt(json{{"x402", receipt}}.dump()));
  auto captured = batcher_.Apply(CaptureRequest{.org = held.org,
                                                .hold_id = held.hold_id,
                                                .amount = held.amount,
                                                .receipt = std::move(text),
                                                .receipt_hash = {}});
  if (!captured.ok()) {
    // The hold is capture_on_expiry: the payment is booked in full then.
    spdlog::warn("x402: capturing hold {} failed: {}", held.hold_id, captured.status().ToString());
    return captured.status();
  }
  out.spend_id = captured->outcome.id;
  out.receipt = std::move(receipt);
  return out;
}

}  // namespace stub
