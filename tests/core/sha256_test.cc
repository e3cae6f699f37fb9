#include "core/sha256.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace stub {
namespace {

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(ToHex(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256Test, TwoPartsHashTheirConcatenation) {
  EXPECT_EQ(Sha256("ab", "c"), Sha256("abc"));
  EXPECT_EQ(Sha256("", "abc"), Sha256("abc"));
  const std::string big(100'000, 'x');
  EXPECT_EQ(Sha256(std::string_view(big).substr(0, 333), std::string_view(big).substr(333)),
            Sha256(big));
  EXPECT_EQ(Sha256(std::string_view("a\0b", 3)), Sha256("a", std::string_view("\0b", 2)));
  EXPECT_NE(Sha256(std::string_view("a\0b", 3)), Sha256("ab"));
}

TEST(Sha256Test, ThreadSafe) {
  const Digest want = Sha256("abc");
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) bad[static_cast<std::size_t>(t)] += Sha256("ab", "c") != want;
    });
  }
  for (std::thread& th : threads) th.join();
  for (int b : bad) EXPECT_EQ(b, 0);
}

TEST(HexTest, RoundTrip) {
  EXPECT_EQ(ToHex(std::string_view("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(ToHex(std::string_view()), "");
  const Digest d = Sha256("abc");
  Digest back{};
  ASSERT_TRUE(FromHex(ToHex(d), back));
  EXPECT_EQ(back, d);
  Digest upper{};
  ASSERT_TRUE(FromHex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", upper));
  EXPECT_EQ(upper, d);
}

TEST(HexTest, FromHexRejectsMalformedAndLeavesOutputAlone) {
  const Digest d = Sha256("abc");
  const std::string good = ToHex(d);
  for (const std::string& bad :
       {std::string(), good.substr(1), good + "0", good.substr(0, 63) + "g", " " + good.substr(1),
        good.substr(0, 62) + "-1"}) {
    Digest out = d;
    EXPECT_FALSE(FromHex(bad, out)) << bad;
    EXPECT_EQ(out, d);
  }
}

}  // namespace
}  // namespace stub
