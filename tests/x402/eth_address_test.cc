#include "x402/eth_address.h"

#include <gtest/gtest.h>

#include <string>

namespace stub::x402 {
namespace {

// EIP-55's own test vectors.
TEST(EthAddressTest, ChecksumsAsEip55Says) {
  for (const std::string_view want_view : {
           "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
           "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
           "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
           "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
           "0x52908400098527886E0F7030069857D2E4169EE7",
           "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
           "0xde709f2102306220921060314715629080e2fb77",
           "0x27b1fdb04752bbc536007a920d24acb045561c26",
       }) {
    const std::string want(want_view);
    std::string lower = want;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto parsed = ParseAddress(lower);
    ASSERT_TRUE(parsed.ok()) << want;
    auto checked = ParseAddress(want);
    ASSERT_TRUE(checked.ok()) << want << ": " << checked.status().message();
    EXPECT_EQ(*checked, *parsed);
    EXPECT_EQ(ToLowerHex(*parsed), lower);
    // All-caps and all-lowercase vectors carry no letters of the other case.
    const bool mixed = want.substr(2).find_first_of("abcdef") != std::string::npos &&
                       want.substr(2).find_first_of("ABCDEF") != std::string::npos;
    if (mixed) {
      EXPECT_EQ(ToChecksumHex(*parsed), want);
    }
  }
}

TEST(EthAddressTest, RefusesAMistypedChecksumAndMalformedText) {
  // One letter's case flipped.
  auto bad = ParseAddress("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().reason(), "invalid_address");
  for (const std::string_view text :
       {"", "0x", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg"}) {
    auto r = ParseAddress(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().reason(), "invalid_address");
  }
}

}  // namespace
}  // namespace stub::x402
