#include "x402/payment_payload.h"

#include <gtest/gtest.h>

#include "core/base64.h"
#include "x402/local_signer.h"

namespace stub::x402 {
namespace {

using nlohmann::json;

json PayloadOption(std::string_view network) {
  return {{"scheme", "exact"},
          {"network", network},
          {"amount", "10000"},
          {"maxAmountRequired", "10000"},
          {"asset", "0x036CbD53842c5426634e7929541eC2318f3dCF7e"},
          {"payTo", "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"},
          {"maxTimeoutSeconds", 60},
          {"extra", {{"name", "USDC"}, {"version", "2"}}},
          {"somethingNew", {{"kept", true}}}};
}

TransferAuthorization Auth(const PaymentRequirement& r) {
  TransferAuthorization a;
  a.from = *ParseAddress("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
  a.to = r.pay_to;
  a.value = r.amount;
  a.valid_after = 1700000000;
  a.valid_before = 1700000060;
  a.nonce.fill(0x01);
  return a;
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

json Decoded(const HeaderField& h) {
  std::string text;
  EXPECT_TRUE(DecodeBase64(h.value, text));
  return json::parse(text);
}

TEST(PaymentPayloadTest, V2EchoesTheChosenOptionAndTheResource) {
  const json doc = {{"x402Version", 2},
                    {"resource", {{"url", "http://127.0.0.1/w"}, {"mimeType", "text/plain"}}},
                    {"accepts", json::array({PayloadOption("eip155:84532")})},
                    {"extensions", {{"bazaar", {{"info", 1}}}}}};
  auto pr = ParsePaymentRequiredHeader(EncodeBase64(doc.dump()));
  ASSERT_TRUE(pr.ok());
  Signature sig{};
  sig[64] = 27;
  const HeaderField h = EncodePaymentHeader(*pr, pr->accepts[0], Auth(pr->accepts[0]), sig);
  EXPECT_EQ(h.name, "PAYMENT-SIGNATURE");
  const json p = Decoded(h);
  EXPECT_EQ(p["x402Version"], 2);
  EXPECT_EQ(p["accepted"], PayloadOption("eip155:84532"));
  EXPECT_EQ(p["resource"], doc["resource"]);
  EXPECT_EQ(p["extensions"], doc["extensions"]);
  const json want_auth = {{"from", "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"},
                          {"to", "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"},
                          {"value", "10000"},
                          {"validAfter", "1700000000"},
                          {"validBefore", "1700000060"},
                          {"nonce", "0x" + Repeat("01", 32)}};
  EXPECT_EQ(p["payload"]["authorization"], want_auth);
  EXPECT_EQ(p["payload"]["signature"], SignatureHex(sig));
  EXPECT_EQ(SettlementHeaderName(2), "PAYMENT-RESPONSE");
}

TEST(PaymentPayloadTest, V1NamesSchemeAndNetworkOnly) {
  const json doc = {{"x402Version", 1}, {"accepts", json::array({PayloadOption("base-sepolia")})}};
  auto pr = ParsePaymentRequiredBody(doc.dump());
  ASSERT_TRUE(pr.ok()) << pr.status().message();
  Signature sig{};
  const HeaderField h = EncodePaymentHeader(*pr, pr->accepts[0], Auth(pr->accepts[0]), sig);
  EXPECT_EQ(h.name, "X-PAYMENT");
  const json p = Decoded(h);
  EXPECT_EQ(p.size(), 4u);
  EXPECT_EQ(p["x402Version"], 1);
  EXPECT_EQ(p["scheme"], "exact");
  EXPECT_EQ(p["network"], "base-sepolia");
  EXPECT_EQ(p["payload"]["authorization"]["value"], "10000");
  EXPECT_EQ(SettlementHeaderName(1), "X-PAYMENT-RESPONSE");
}

TEST(PaymentPayloadTest, ReadsASettlementAndRefusesGarbage) {
  const json ok = {{"success", true},
                   {"transaction", "0xabc"},
                   {"network", "eip155:84532"},
                   {"payer", "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"}};
  auto s = ParseSettlementHeader(EncodeBase64(ok.dump()));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->success);
  EXPECT_EQ(s->transaction, "0xabc");
  EXPECT_EQ(s->network, "eip155:84532");
  EXPECT_EQ(s->payer, "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
  const json failed = {
      {"success", false}, {"errorReason", "insufficient_funds"}, {"transaction", ""}};
  auto f = ParseSettlementHeader(EncodeBase64(failed.dump()));
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->success);
  EXPECT_EQ(f->error_reason, "insufficient_funds");
  for (const std::string& bad : {std::string("%%%"), EncodeBase64("[]"), EncodeBase64("{}"),
                                 EncodeBase64("{\"success\":\"yes\"}"), std::string(20000, 'A')}) {
    EXPECT_EQ(ParseSettlementHeader(bad).status().reason(), "x402_invalid_settlement")
        << bad.substr(0, 20);
  }
}

TEST(PaymentPayloadTest, TheMcpDocumentIsTheHeadersDocument) {
  const json doc = {{"x402Version", 2},
                    {"resource", {{"url", "mcp://tool/report"}}},
                    {"accepts", json::array({PayloadOption("eip155:84532")})}};
  auto pr = ParsePaymentRequiredBody(doc.dump());
  ASSERT_TRUE(pr.ok()) << pr.status().message();
  Signature sig{};
  sig[64] = 28;
  const TransferAuthorization auth = Auth(pr->accepts[0]);
  const json payload = EncodePaymentPayload(*pr, pr->accepts[0], auth, sig);
  EXPECT_EQ(payload, Decoded(EncodePaymentHeader(*pr, pr->accepts[0], auth, sig)));
  EXPECT_EQ(payload["resource"], doc["resource"]);
  EXPECT_FALSE(payload.contains("extensions"));
}

TEST(PaymentPayloadTest, ReadsAnAlreadyParsedSettlement) {
  auto s = ReadSettlement({{"success", true}, {"transaction", "0xdef"}});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->success);
  EXPECT_EQ(s->transaction, "0xdef");
  EXPECT_EQ(ReadSettlement(json::array()).status().reason(), "x402_invalid_settlement");
  EXPECT_EQ(ReadSettlement({{"success", 1}}).status().reason(), "x402_invalid_settlement");
}

}  // namespace
}  // namespace stub::x402
