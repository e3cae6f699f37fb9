#include "x402/keccak256.h"

#include <gtest/gtest.h>

#include <string>

#include "core/sha256.h"

namespace stub::x402 {
namespace {

std::string KeccakHex(const Hash32& h) { return ToHex(h); }

// Published Keccak-256 vectors (the Keccak team's and Ethereum's), and inputs
// around the 136-byte block boundary hashed by viem (noble-hashes).
TEST(Keccak256Test, MatchesPublishedVectors) {
  EXPECT_EQ(KeccakHex(Keccak256("")),
            "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  EXPECT_EQ(KeccakHex(Keccak256("abc")),
            "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  EXPECT_EQ(KeccakHex(Keccak256("The quick brown fox jumps over the lazy dog")),
            "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
  // Solidity's keccak256("transfer(address,uint256)") begins with the ERC-20 selector a9059cbb.
  EXPECT_EQ(KeccakHex(Keccak256("transfer(address,uint256)")).substr(0, 8), "a9059cbb");
}

TEST(Keccak256Test, PadsAtTheBlockBoundaryLikeViem) {
  EXPECT_EQ(KeccakHex(Keccak256(std::string(135, 'b'))),
            "4cc4e6a6deebdec4c9c6d68f91082ef4e5c608215f017742d4d90cdc77860650");
  EXPECT_EQ(KeccakHex(Keccak256(std::string(136, 'b'))),
            "121b76d0b19f3c2c7632310b92c54cddd59d16a6b5aafe84696426f10e5733bf");
  EXPECT_EQ(KeccakHex(Keccak256(std::string(200, 'a'))),
            "96ea54061def936c4be90b518992fdc6f12f535068a256229aca54267b4d084d");
}

TEST(Keccak256Test, TwoPartsHashAsTheirConcatenation) {
  const std::string a(100, 'x');
  const std::string b(77, 'y');
  EXPECT_EQ(Keccak256(a, b), Keccak256(a + b));
  EXPECT_EQ(Keccak256("", "abc"), Keccak256("abc"));
}

TEST(Keccak256Test, IsNotSha3) {
  // SHA3-256("") is a7ffc6f8…; Keccak-256 pads differently.
  EXPECT_NE(KeccakHex(Keccak256("")).substr(0, 8), "a7ffc6f8");
}

}  // namespace
}  // namespace stub::x402
