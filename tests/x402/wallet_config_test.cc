#include "x402/wallet_config.h"

#include <gtest/gtest.h>

namespace stub::x402 {
namespace {

using nlohmann::json;

json Body() {
  return {{"signer", "ops"},
          {"networks", {"eip155:84532", "base", "base-sepolia"}},
          {"assets",
           {{"0x036cbd53842c5426634e7929541ec2318f3dcf7e", {{"decimals", 6}, {"rate", "1"}}},
            {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", {{"decimals", 18}, {"rate", "0.98"}}}}}};
}

TEST(WalletConfigTest, ReadsAPutBodyAndRoundTripsThroughTheStoredForm) {
  auto w = WalletFromJson("main", Body());
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->signer, "ops");
  EXPECT_EQ(w->terms.chain_ids, (std::vector<std::uint64_t>{84532, 8453}));  // deduplicated
  ASSERT_EQ(w->terms.assets.size(), 2u);
  EXPECT_EQ(w->terms.assets[0].decimals, 6);
  EXPECT_EQ(w->terms.assets[0].rate, 1'000'000);
  EXPECT_EQ(w->terms.assets[1].rate, 980'000);
  EXPECT_EQ(w->category, "x402");
  w->address = *ParseAddress("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");

  const json shown = WalletToJson(*w);
  EXPECT_EQ(shown["address"], "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
  EXPECT_EQ(shown["assets"]["0x036CbD53842c5426634e7929541eC2318f3dCF7e"]["rate"], "1");
  EXPECT_EQ(shown["networks"], Body()["networks"]);
  auto back = WalletFromStored("main", shown.dump());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(WalletToJson(*back), shown);
  EXPECT_EQ(back->address, w->address);
}

TEST(WalletConfigTest, RefusesWhatCannotBePaidFromWithAClearMessage) {
  struct Case {
    std::function<void(json&)> edit;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {[](json& b) { b.erase("signer"); }, "invalid_request"},
      {[](json& b) { b["signer"] = "Ops!"; }, "invalid_request"},
      {[](json& b) { b["networks"] = json::array(); }, "invalid_request"},
      {[](json& b) { b["networks"] = {"solana"}; }, "invalid_request"},
      {[](json& b) { b["networks"] = {1}; }, "invalid_request"},
      {[](json& b) { b["assets"] = json::object(); }, "invalid_request"},
      {[](json& b) {
         b["assets"] = {{"0x1234", {{"decimals", 6}, {"rate", "1"}}}};
       },
       "invalid_request"},
      {[](json& b) {
         b["assets"] = {
             {"0x036cbd53842c5426634e7929541ec2318f3dcf7e", {{"decimals", 37}, {"rate", "1"}}}};
       },
       "invalid_request"},
      {[](json& b) {
         b["assets"] = {
             {"0x036cbd53842c5426634e7929541ec2318f3dcf7e", {{"decimals", 6}, {"rate", 1}}}};
       },
       "invalid_amount"},
      {[](json& b) {
         b["assets"] = {
             {"0x036cbd53842c5426634e7929541ec2318f3dcf7e", {{"decimals", 6}, {"rate", "0"}}}};
       },
       "invalid_amount"},
      {[](json& b) {
         b["assets"] = {{"0x036cbd53842c5426634e7929541ec2318f3dcf7e", {{"decimals", 6}}}};
       },
       "invalid_amount"},
      {[](json& b) {
         b["assets"] = {{"0x036cbd53842c5426634e7929541ec2318f3dcf7e",
                         {{"decimals", 6}, {"rate", "1"}, {"x", 1}}}};
       },
       "invalid_request"},
      {[](json& b) { b["private_key"] = "0xabc"; }, "invalid_request"},
      {[](json& b) { b["category"] = ""; }, "invalid_request"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    json body = Body();
    cases[i].edit(body);
    auto w = WalletFromJson("main", body);
    ASSERT_FALSE(w.ok()) << "case " << i;
    EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument) << "case " << i;
    EXPECT_EQ(w.status().reason(), cases[i].reason) << "case " << i << ": " << w.status().message();
  }
  EXPECT_EQ(WalletFromJson("Main", Body()).status().reason(), "invalid_request");
  EXPECT_EQ(WalletFromJson("", Body()).status().reason(), "invalid_request");
  EXPECT_EQ(WalletFromStored("main", "{}").status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace stub::x402
