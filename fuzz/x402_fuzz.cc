// Fuzzes the x402 readers (src/x402): a resource server's requirements (v2
// header, v1 body), a settlement header, a wallet's configuration, addresses
// and signatures — all of it text from outside. The first byte picks the
// reader. Properties: nothing crashes; parsed requirements hold 1 to
// kMaxRequirements options, each usable one on a known EVM chain with a
// positive amount; a chosen option is usable and within max_amount; a
// payment header for it is base64 of JSON; a parsed address prints back to
// what parses to it. Reader 6 is x402's MCP transport: a tool result read
// for its requirements and settlement, and the same bytes as an event stream
// fed in two pieces, which must give the events they give whole.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/base64.h"
#include "core/json_input.h"
#include "core/sse_events.h"
#include "fuzz_check.h"
#include "x402/mcp_transport.h"
#include "x402/payment_choice.h"
#include "x402/payment_payload.h"
#include "x402/payment_required.h"
#include "x402/signer.h"
#include "x402/wallet_config.h"

namespace {

void CheckRequired(const stub::x402::PaymentRequired& pr) {
  using namespace stub::x402;
  STUB_FUZZ_CHECK(pr.version == 1 || pr.version == 2);
  STUB_FUZZ_CHECK(!pr.accepts.empty() && pr.accepts.size() <= kMaxRequirements);
  for (const PaymentRequirement& r : pr.accepts) {
    if (!r.usable) continue;
    STUB_FUZZ_CHECK(r.chain_id.has_value() && r.amount > 0 && r.max_timeout_seconds > 0);
  }
  WalletTerms wallet;
  for (const PaymentRequirement& r : pr.accepts) {
    if (r.chain_id) wallet.chain_ids.push_back(*r.chain_id);
    wallet.assets.push_back(WalletAsset{r.asset, 6, 1'000'000});
  }
  const stub::Micros max = 1'000'000;
  auto choice = ChoosePayment(pr, wallet, max);
  if (!choice.ok()) return;
  STUB_FUZZ_CHECK(choice->index < pr.accepts.size());
  const PaymentRequirement& chosen = pr.accepts[choice->index];
  STUB_FUZZ_CHECK(chosen.usable && choice->amount <= max && choice->amount > 0);
  TransferAuthorization auth;
  auth.to = chosen.pay_to;
  auth.value = chosen.amount;
  const HeaderField h = EncodePaymentHeader(pr, chosen, auth, Signature{});
  std::string text;
  STUB_FUZZ_CHECK(stub::DecodeBase64(h.value, text));
  STUB_FUZZ_CHECK(nlohmann::json::accept(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace stub::x402;
  switch (data[0] % 7) {
    case 0:
      if (auto pr = ParsePaymentRequiredHeader(text); pr.ok()) CheckRequired(*pr);
      break;
    case 1:
      if (auto pr = ParsePaymentRequiredBody(text); pr.ok()) CheckRequired(*pr);
      break;
    case 2:
      (void)ParseSettlementHeader(text);
      break;
    case 3: {
      const nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
      if (!body.is_discarded() && body.is_object()) {
        if (auto w = WalletFromJson("main", body); w.ok()) {
          auto back = WalletFromStored("main", WalletToJson(*w).dump());
          STUB_FUZZ_CHECK(back.ok());
          STUB_FUZZ_CHECK(WalletToJson(*back) == WalletToJson(*w));
        }
      }
      (void)WalletFromStored("main", text);
      break;
    }
    case 4:
      if (auto a = ParseAddress(text); a.ok()) {
        auto again = ParseAddress(ToChecksumHex(*a));
        STUB_FUZZ_CHECK(again.ok() && *again == *a);
      }
      break;
    case 5:
      if (auto sig = ParseSignature(text); sig.ok()) (void)RecoverSigner(Hash32{}, *sig);
      break;
    case 6: {
      if (auto doc = stub::ParseBoundedJson(text); doc.ok()) {
        if (auto pr = PaymentRequiredInToolResult(*doc); pr && pr->ok()) CheckRequired(**pr);
        if (auto pr = PaymentRequiredInRpcError(*doc); pr && pr->ok()) CheckRequired(**pr);
        (void)SettlementInToolResult(*doc);
      }
      stub::SseEventReader whole(1024), split(1024);
      const auto all = whole.Feed(text);
      auto pieces = split.Feed(text.substr(0, text.size() / 2));
      for (auto& e : split.Feed(text.substr(text.size() / 2))) pieces.push_back(std::move(e));
      STUB_FUZZ_CHECK(all.size() == pieces.size());
      for (std::size_t i = 0; i < all.size(); ++i) {
        STUB_FUZZ_CHECK(all[i].data == pieces[i].data && all[i].name == pieces[i].name);
        STUB_FUZZ_CHECK(all[i].data.size() <= 1024);
      }
      break;
    }
  }
  return 0;
}
