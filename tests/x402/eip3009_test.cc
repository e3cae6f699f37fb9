#include "x402/eip3009.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/sha256.h"
#include "x402/local_signer.h"

namespace stub::x402 {
namespace {

std::string Hex(const Hash32& h) { return "0x" + ToHex(h); }

// The key of Ethereum's documentation examples; its address is public.
constexpr std::string_view kKey =
    "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
constexpr std::string_view kKeyAddress = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";

Address Parsed(std::string_view text) {
  auto a = ParseAddress(text);
  EXPECT_TRUE(a.ok()) << a.status().message();
  return a.ok() ? *a : Address{};
}

// USDC on Base Sepolia paying 0.01 USDC, as an x402 "exact" requirement asks.
Eip712Domain Domain() {
  return {"USDC", "2", 84532, Parsed("0x036CbD53842c5426634e7929541eC2318f3dCF7e")};
}

TransferAuthorization Authorization() {
  TransferAuthorization a;
  a.from = Parsed(kKeyAddress);
  a.to = Parsed("0x209693Bc6afc0C5328bA36FaF03C514EF312287C");
  a.value = 10000;
  a.valid_after = 1700000000;
  a.valid_before = 1700000600;
  a.nonce.fill(0xab);
  return a;
}

// Every value below was printed by viem 2.58.8 (hashDomain, hashStruct,
// hashTypedData, privateKeyToAccount(kKey).signTypedData) for the same
// domain, message and key.
TEST(Eip3009Test, HashesTheTypedDataAsViemDoes) {
  EXPECT_EQ(Hex(DomainSeparator(Domain())),
            "0x71f17a3b2ff373b803d70a5a07c046c1a2bc8e89c09ef722fcb047abe94c9818");
  EXPECT_EQ(Hex(TransferAuthorizationStructHash(Authorization())),
            "0xa40636f3a7544327575be388851ce8a69df9bf1b75f8f2d5a58a84055c06f70f");
  EXPECT_EQ(Hex(TransferAuthorizationDigest(Domain(), Authorization())),
            "0x085bf94da27b3d28634f95a48e3d4d8d658c1cbc3b81a5ad8249e9676a923d08");
}

// EIP-712's own example (the "Ether Mail" domain of the specification and
// its reference implementation): the domain separator it publishes.
TEST(Eip3009Test, DomainSeparatorMatchesTheEip712Example) {
  const Eip712Domain mail{"Ether Mail", "1", 1,
                          Parsed("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC")};
  EXPECT_EQ(Hex(DomainSeparator(mail)),
            "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");
}

TEST(Eip3009Test, SignsExactlyAsViemDoes) {
  auto signer = LocalSigner::FromHex(kKey);
  ASSERT_TRUE(signer.ok()) << signer.status().message();
  EXPECT_EQ(ToChecksumHex((*signer)->address()), kKeyAddress);
  SignRequest req;
  req.digest = TransferAuthorizationDigest(Domain(), Authorization());
  auto sig = (*signer)->Sign(req);
  ASSERT_TRUE(sig.ok()) << sig.status().message();
  // RFC 6979 nonces and low-s on both sides: the same bytes.
  EXPECT_EQ(
      SignatureHex(*sig),
      "0xf673f7b57c86f01c5e570850b2b104dd8abf6fb7c53d25d84842973c0dfb46de6b8b73ff3fdf5cee12fe93"
      "0754da54a7ae2d6b38299d2788ae656b23068fb4461c");
  auto who = RecoverSigner(req.digest, *sig);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(*who, (*signer)->address());
}

TEST(Eip3009Test, AnyChangedFieldChangesTheDigest) {
  const Hash32 base = TransferAuthorizationDigest(Domain(), Authorization());
  auto changed = [&](auto&& edit) {
    Eip712Domain d = Domain();
    TransferAuthorization a = Authorization();
    edit(d, a);
    return TransferAuthorizationDigest(d, a);
  };
  EXPECT_NE(base, changed([](Eip712Domain& d, auto&) { d.name = "USD Coin"; }));
  EXPECT_NE(base, changed([](Eip712Domain& d, auto&) { d.version = "1"; }));
  EXPECT_NE(base, changed([](Eip712Domain& d, auto&) { d.chain_id = 8453; }));
  EXPECT_NE(base, changed([](auto&, TransferAuthorization& a) { a.value = 10001; }));
  EXPECT_NE(base, changed([](auto&, TransferAuthorization& a) { a.valid_before += 1; }));
  EXPECT_NE(base, changed([](auto&, TransferAuthorization& a) { a.nonce[31] = 0; }));
  EXPECT_NE(base, changed([](auto&, TransferAuthorization& a) { a.to = a.from; }));
}

TEST(Eip3009Test, TypedDataIsWhatSignTypedDataV4Takes) {
  const auto td = TransferAuthorizationTypedData(Domain(), Authorization());
  EXPECT_EQ(td["primaryType"], "TransferWithAuthorization");
  EXPECT_EQ(td["domain"]["chainId"], 84532);
  EXPECT_EQ(td["domain"]["verifyingContract"], "0x036CbD53842c5426634e7929541eC2318f3dCF7e");
  EXPECT_EQ(td["message"]["from"], kKeyAddress);
  EXPECT_EQ(td["message"]["value"], "10000");
  EXPECT_EQ(td["message"]["validBefore"], "1700000600");
  EXPECT_EQ(td["message"]["nonce"], "0x" + ToHex(Authorization().nonce));
  EXPECT_EQ(td["types"]["TransferWithAuthorization"].size(), 6u);
}

TEST(Eip3009Test, Uint128ParsesAndPrintsDecimal) {
  Uint128 v = 0;
  ASSERT_TRUE(ParseUint128("340282366920938463463374607431768211455", v));  // 2^128 - 1
  EXPECT_EQ(Uint128ToDecimal(v), "340282366920938463463374607431768211455");
  EXPECT_FALSE(ParseUint128("340282366920938463463374607431768211456", v));
  EXPECT_FALSE(ParseUint128("", v));
  EXPECT_FALSE(ParseUint128("-1", v));
  EXPECT_FALSE(ParseUint128("1.5", v));
  EXPECT_FALSE(ParseUint128("1e6", v));
  ASSERT_TRUE(ParseUint128("0", v));
  EXPECT_EQ(Uint128ToDecimal(v), "0");
}

}  // namespace
}  // namespace stub::x402
