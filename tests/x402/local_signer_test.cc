#include "x402/local_signer.h"

#include <gtest/gtest.h>

#include <string>

namespace stub::x402 {
namespace {

constexpr std::string_view kSignerKey =
    "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

TEST(LocalSignerTest, TakesTheKeyWithOrWithout0xAndAFilesNewline) {
  for (const std::string& text :
       {std::string(kSignerKey), "0x" + std::string(kSignerKey),
        "0X" + std::string(kSignerKey) + "\n", "  " + std::string(kSignerKey) + "\r\n"}) {
    auto s = LocalSigner::FromHex(text);
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_EQ(ToChecksumHex((*s)->address()), "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23");
  }
}

TEST(LocalSignerTest, RefusesWhatIsNotAKeyWithoutEchoingIt) {
  const std::string order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
  for (const std::string& text : {std::string(""), std::string(63, '1'), std::string(65, '1'),
                                  std::string(64, '0'), order, std::string(63, '1') + "g"}) {
    auto s = LocalSigner::FromHex(text);
    ASSERT_FALSE(s.ok()) << text;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.status().reason(), "invalid_private_key");
    if (text.size() > 8) {
      EXPECT_EQ(s.status().message().find(text.substr(0, 8)), std::string::npos);
    }
  }
}

TEST(LocalSignerTest, SignaturesRecoverTheSignersAddressAndNoOther) {
  auto s = LocalSigner::FromHex(kSignerKey);
  ASSERT_TRUE(s.ok());
  SignRequest req;
  for (std::size_t i = 0; i < req.digest.size(); ++i) req.digest[i] = static_cast<std::uint8_t>(i);
  auto sig = (*s)->Sign(req);
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE((*sig)[64] == 27 || (*sig)[64] == 28);
  auto who = RecoverSigner(req.digest, *sig);
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(*who, (*s)->address());

  Hash32 other = req.digest;
  other[0] ^= 1;
  auto someone = RecoverSigner(other, *sig);
  if (someone.ok()) {
    EXPECT_NE(*someone, (*s)->address());
  }

  Signature bad = *sig;
  bad[64] = 29;
  EXPECT_EQ(RecoverSigner(req.digest, bad).status().reason(), "invalid_signature");
}

TEST(LocalSignerTest, ParsesSignaturesWithEitherFormOfV) {
  auto s = LocalSigner::FromHex(kSignerKey);
  ASSERT_TRUE(s.ok());
  SignRequest req;
  auto sig = (*s)->Sign(req);
  ASSERT_TRUE(sig.ok());
  const std::string hex = SignatureHex(*sig);
  auto back = ParseSignature(hex);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *sig);
  std::string zero_one = hex;
  zero_one.replace(130, 2, (*sig)[64] == 27 ? "00" : "01");
  auto normalised = ParseSignature(zero_one);
  ASSERT_TRUE(normalised.ok());
  EXPECT_EQ(*normalised, *sig);
  for (const std::string& text :
       {std::string(""), hex.substr(2), hex.substr(0, 130), hex.substr(0, 130) + "1d"}) {
    EXPECT_EQ(ParseSignature(text).status().reason(), "invalid_signature") << text;
  }
}

}  // namespace
}  // namespace stub::x402
