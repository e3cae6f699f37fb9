#include "x402/payment_required.h"

#include <gtest/gtest.h>

#include <string>

#include "core/base64.h"
#include "x402/networks.h"

namespace stub::x402 {
namespace {

using nlohmann::json;

constexpr std::string_view kUsdcBaseSepolia = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
constexpr std::string_view kPayTo = "0x209693Bc6afc0C5328bA36FaF03C514EF312287C";

json V2Option() {
  return {{"scheme", "exact"},
          {"network", "eip155:84532"},
          {"amount", "10000"},
          {"asset", kUsdcBaseSepolia},
          {"payTo", kPayTo},
          {"maxTimeoutSeconds", 300},
          {"extra", {{"name", "USDC"}, {"version", "2"}}}};
}

json V2Doc() {
  return {{"x402Version", 2},
          {"error", "Payment required"},
          {"resource", {{"url", "http://127.0.0.1:4021/weather"}, {"description", "Weather"}}},
          {"accepts", json::array({V2Option()})}};
}

json V1Doc() {
  return {{"x402Version", 1},
          {"error", "X-PAYMENT header is required"},
          {"accepts", json::array({{{"scheme", "exact"},
                                    {"network", "base-sepolia"},
                                    {"maxAmountRequired", "2500"},
                                    {"resource", "http://127.0.0.1:4022/joke"},
                                    {"description", "A joke"},
                                    {"mimeType", "application/json"},
                                    {"payTo", kPayTo},
                                    {"maxTimeoutSeconds", 60},
                                    {"asset", kUsdcBaseSepolia},
                                    {"extra", {{"name", "USDC"}, {"version", "2"}}}}})}};
}

TEST(PaymentRequiredTest, ReadsAV2Header) {
  auto pr = ParsePaymentRequiredHeader(EncodeBase64(V2Doc().dump()));
  ASSERT_TRUE(pr.ok()) << pr.status().message();
  EXPECT_EQ(pr->version, 2);
  EXPECT_EQ(pr->error, "Payment required");
  ASSERT_EQ(pr->accepts.size(), 1u);
  const PaymentRequirement& r = pr->accepts[0];
  EXPECT_TRUE(r.usable) << r.unusable_why;
  EXPECT_EQ(r.chain_id, 84532u);
  EXPECT_TRUE(r.amount == 10000);
  EXPECT_EQ(ToChecksumHex(r.asset), kUsdcBaseSepolia);
  EXPECT_EQ(ToChecksumHex(r.pay_to), kPayTo);
  EXPECT_EQ(r.max_timeout_seconds, 300);
  EXPECT_EQ(r.token_name, "USDC");
  EXPECT_EQ(r.token_version, "2");
  EXPECT_EQ(r.resource, "http://127.0.0.1:4021/weather");
  EXPECT_EQ(r.description, "Weather");
  EXPECT_EQ(r.raw, V2Option());
}

TEST(PaymentRequiredTest, ReadsAV1Body) {
  auto pr = ParsePaymentRequiredBody(V1Doc().dump());
  ASSERT_TRUE(pr.ok()) << pr.status().message();
  EXPECT_EQ(pr->version, 1);
  ASSERT_EQ(pr->accepts.size(), 1u);
  const PaymentRequirement& r = pr->accepts[0];
  EXPECT_TRUE(r.usable) << r.unusable_why;
  EXPECT_EQ(r.chain_id, 84532u);
  EXPECT_TRUE(r.amount == 2500);
  EXPECT_EQ(r.max_timeout_seconds, 60);
  EXPECT_EQ(r.resource, "http://127.0.0.1:4022/joke");
  EXPECT_TRUE(pr->resource.is_null());
}

TEST(PaymentRequiredTest, KeepsOptionsItCannotPayAndSaysWhy) {
  json doc = V2Doc();
  json solana = V2Option();
  solana["network"] = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp";
  json upto = V2Option();
  upto["scheme"] = "upto";
  json bad_amount = V2Option();
  bad_amount["amount"] = "0.01";
  json no_extra = V2Option();
  no_extra.erase("extra");
  json long_timeout = V2Option();
  long_timeout["maxTimeoutSeconds"] = 100000;
  json bad_pay_to = V2Option();
  bad_pay_to["payTo"] = "0x209693Bc6afc0C5328bA36FaF03C514EF312287c";  // checksum broken
  doc["accepts"] = json::array({solana, upto, bad_amount, no_extra, long_timeout, bad_pay_to});
  auto pr = ParsePaymentRequiredHeader(EncodeBase64(doc.dump()));
  ASSERT_TRUE(pr.ok()) << pr.status().message();
  ASSERT_EQ(pr->accepts.size(), 6u);
  for (const auto& r : pr->accepts) EXPECT_FALSE(r.usable);
  EXPECT_EQ(pr->accepts[0].unusable_why,
            "network 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp' is not an EVM network");
  EXPECT_EQ(pr->accepts[1].unusable_why, "scheme 'upto' is not 'exact'");
  EXPECT_EQ(pr->accepts[2].unusable_why, "amount is not a positive integer of atomic units");
  EXPECT_EQ(pr->accepts[3].unusable_why, "extra (the token's name, version) is missing");
  EXPECT_EQ(pr->accepts[4].unusable_why, "maxTimeoutSeconds is not between 1 and 86400");
  EXPECT_EQ(pr->accepts[5].unusable_why, "payTo is not an address");
}

TEST(PaymentRequiredTest, RefusesMalformedDocumentsWithOneReason) {
  json no_accepts = V2Doc();
  no_accepts["accepts"] = json::array();
  json v3 = V2Doc();
  v3["x402Version"] = 3;
  json no_resource = V2Doc();
  no_resource.erase("resource");
  json too_many = V2Doc();
  for (int i = 0; i < 40; ++i) too_many["accepts"].push_back(V2Option());
  json not_object = V2Doc();
  not_object["accepts"] = json::array({1});
  std::string deep(5000, '[');
  for (const std::string& header :
       {std::string("not base64!"), EncodeBase64("{not json"), EncodeBase64(no_accepts.dump()),
        EncodeBase64(v3.dump()), EncodeBase64(no_resource.dump()), EncodeBase64(too_many.dump()),
        EncodeBase64(not_object.dump()), EncodeBase64(deep), EncodeBase64(V1Doc().dump()),
        std::string(200000, 'A')}) {
    auto pr = ParsePaymentRequiredHeader(header);
    ASSERT_FALSE(pr.ok()) << header.substr(0, 60);
    EXPECT_EQ(pr.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(pr.status().reason(), "x402_invalid_requirements");
  }
  EXPECT_EQ(ParsePaymentRequiredBody("<html>402</html>").status().reason(),
            "x402_invalid_requirements");
}

TEST(NetworksTest, ResolvesV1NamesAndCaip2Ids) {
  EXPECT_EQ(EvmChainId("base"), 8453u);
  EXPECT_EQ(EvmChainId("base-sepolia"), 84532u);
  EXPECT_EQ(EvmChainId("eip155:8453"), 8453u);
  EXPECT_EQ(EvmChainId("eip155:1"), 1u);
  EXPECT_EQ(EvmChainId("eip155:"), std::nullopt);
  EXPECT_EQ(EvmChainId("eip155:01"), std::nullopt);
  EXPECT_EQ(EvmChainId("eip155:84532x"), std::nullopt);
  EXPECT_EQ(EvmChainId("eip155:99999999999999999999"), std::nullopt);
  EXPECT_EQ(EvmChainId("solana"), std::nullopt);
  EXPECT_EQ(EvmChainId("Base"), std::nullopt);
  EXPECT_EQ(Caip2(8453), "eip155:8453");
}

}  // namespace
}  // namespace stub::x402
