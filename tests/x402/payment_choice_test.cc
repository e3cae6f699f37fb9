#include "x402/payment_choice.h"

#include <gtest/gtest.h>

#include "core/base64.h"

namespace stub::x402 {
namespace {

using nlohmann::json;

constexpr std::string_view kUsdc = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
constexpr std::string_view kOther = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

json Option(std::string_view network, std::string_view asset, std::string_view amount) {
  return {{"scheme", "exact"},
          {"network", network},
          {"amount", amount},
          {"asset", asset},
          {"payTo", "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"},
          {"maxTimeoutSeconds", 60},
          {"extra", {{"name", "USDC"}, {"version", "2"}}}};
}

PaymentRequired Required(json accepts) {
  const json doc = {{"x402Version", 2},
                    {"resource", {{"url", "http://127.0.0.1/x"}}},
                    {"accepts", std::move(accepts)}};
  auto pr = ParsePaymentRequiredHeader(EncodeBase64(doc.dump()));
  EXPECT_TRUE(pr.ok()) << pr.status().message();
  return pr.ok() ? *pr : PaymentRequired{};
}

WalletTerms Wallet() {
  WalletTerms w;
  w.chain_ids = {84532};
  w.assets = {{*ParseAddress(kUsdc), 6, 1'000'000}};
  return w;
}

TEST(PaymentChoiceTest, UsdcAtRateOneIsAtomicUnitsUnchanged) {
  auto c = ChoosePayment(Required(json::array({Option("eip155:84532", kUsdc, "10000")})), Wallet(),
                         std::nullopt);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->index, 0u);
  EXPECT_EQ(c->amount, 10000);
}

TEST(PaymentChoiceTest, PicksTheCheapestPayableOptionWithinMaxAmount) {
  WalletTerms w = Wallet();
  w.chain_ids.push_back(8453);
  auto pr = Required(json::array({Option("eip155:84532", kUsdc, "30000"),
                                  Option("eip155:1", kUsdc, "1"),  // network not allowed
                                  Option("eip155:84532", kUsdc, "20000"),
                                  Option("eip155:84532", kOther, "5")}));  // asset not allowed
  auto c = ChoosePayment(pr, w, Micros{25000});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->index, 2u);
  EXPECT_EQ(c->amount, 20000);
  auto none = ChoosePayment(pr, w, Micros{19999});
  EXPECT_EQ(none.status().reason(), "x402_over_max_amount");
  EXPECT_EQ(none.status().code(), StatusCode::kFailedPrecondition);
}

TEST(PaymentChoiceTest, RefusalsNameTheNearestMiss) {
  EXPECT_EQ(ChoosePayment(Required(json::array({Option("eip155:8453", kUsdc, "1")})), Wallet(),
                          std::nullopt)
                .status()
                .reason(),
            "x402_network_not_allowed");
  EXPECT_EQ(ChoosePayment(Required(json::array({Option("eip155:8453", kUsdc, "1"),
                                                Option("eip155:84532", kOther, "1")})),
                          Wallet(), std::nullopt)
                .status()
                .reason(),
            "x402_asset_not_allowed");
  json upto = Option("eip155:84532", kUsdc, "1");
  upto["scheme"] = "upto";
  auto r = ChoosePayment(Required(json::array({upto})), Wallet(), std::nullopt);
  EXPECT_EQ(r.status().reason(), "x402_no_payable_option");
  EXPECT_EQ(r.status().message(),
            "no payment option is one Stub can make: scheme 'upto' is not 'exact'");
}

TEST(PaymentChoiceTest, ConvertsOtherDecimalsAndRatesExactlyRoundingUp) {
  // 18 decimals at 2.5 org units a token: 1 token = 2,500,000 micros.
  EXPECT_EQ(*AtomicToMicros(Uint128{1'000'000'000'000'000'000ULL}, 18, 2'500'000), 2'500'000);
  // One wei of it is less than a micro-unit: charged as one.
  EXPECT_EQ(*AtomicToMicros(1, 18, 2'500'000), 1);
  // 2 decimals at rate 0.98: 1.00 token = 980,000 micros.
  EXPECT_EQ(*AtomicToMicros(100, 2, 980'000), 980'000);
  EXPECT_EQ(AtomicToMicros(~Uint128{0}, 6, 1'000'000).status().reason(), "amount_overflow");
  EXPECT_EQ(AtomicToMicros(Uint128{1} << 100, 6, 1'000'000).status().reason(), "amount_overflow");
  EXPECT_EQ(AtomicToMicros(1, 6, 0).status().reason(), "amount_overflow");
}

}  // namespace
}  // namespace stub::x402
