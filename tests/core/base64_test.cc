#include "core/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace stub {
namespace {

TEST(Base64Test, RoundTripsEveryLengthModThree) {
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64("foobar"), "Zm9vYmFy");  // RFC 4648 section 10
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n < all.size(); n += 37) {
    std::string back;
    ASSERT_TRUE(DecodeBase64(EncodeBase64(all.substr(0, n)), back));
    EXPECT_EQ(back, all.substr(0, n));
  }
}

TEST(Base64Test, DecodesUrlSafeAndUnpaddedButNothingElse) {
  std::string out;
  ASSERT_TRUE(DecodeBase64("Zm8", out));
  EXPECT_EQ(out, "fo");
  ASSERT_TRUE(DecodeBase64("-_8", out));
  EXPECT_EQ(out, "\xfb\xff");
  for (const std::string_view bad : {"Zm9v YmFy", "Zm9v\n", "Z", "Zg===", "Zm9v!", "=Zm9"}) {
    EXPECT_FALSE(DecodeBase64(bad, out)) << bad;
  }
}

}  // namespace
}  // namespace stub
