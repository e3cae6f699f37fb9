// core/secret_box.h: provider secrets sealed with AES-256-GCM under the server
// key, bound to their row.
#include "core/secret_box.h"

#include <gtest/gtest.h>

#include <string>

namespace stub {
namespace {

const std::string kHexKey(64, 'a');  // 32 bytes of 0xaa
constexpr SecretNonce kNonce = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

SecretKey ParsedKey(const std::string& text) {
  auto k = SecretKey::Parse(text);
  EXPECT_TRUE(k.ok()) << k.status().ToString();
  return k.ok() ? *k : SecretKey::Parse(kHexKey).value();
}

TEST(SecretBox, SealsAndOpensForTheSameContext) {
  const SecretKey key = ParsedKey(kHexKey);
  auto sealed = SealSecret(key, "sk-live-123", "provider:acme/openai", kNonce);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_EQ(sealed->rfind("sb1.", 0), 0u) << *sealed;
  EXPECT_EQ(sealed->find("sk-live"), std::string::npos);
  auto opened = OpenSecret(key, *sealed, "provider:acme/openai");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "sk-live-123");
  // An empty secret round-trips too.
  EXPECT_EQ(OpenSecret(key, SealSecret(key, "", "c", kNonce).value(), "c").value(), "");
}

TEST(SecretBox, AnotherContextKeyOrAlteredValueDoesNotOpen) {
  const SecretKey key = ParsedKey(kHexKey);
  const std::string sealed = SealSecret(key, "sk-live-123", "provider:acme/openai", kNonce).value();
  EXPECT_EQ(OpenSecret(key, sealed, "provider:beta/openai").status().reason(), "secret_unreadable");
  EXPECT_EQ(
      OpenSecret(ParsedKey(std::string(64, 'b')), sealed, "provider:acme/openai").status().reason(),
      "secret_unreadable");
  std::string altered = sealed;
  altered[10] = altered[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(OpenSecret(key, altered, "provider:acme/openai").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(OpenSecret(key, "sb1.", "provider:acme/openai").ok());
  EXPECT_FALSE(OpenSecret(key, "sk-live-123", "provider:acme/openai").ok());
  EXPECT_FALSE(OpenSecret(key, sealed.substr(0, sealed.size() - 4), "provider:acme/openai").ok());
}

TEST(SecretBox, KeysParseFromHexOrBase64AndTheSameMaterialGivesTheSameKey) {
  // 32 bytes of 0xaa as hex, standard base64 and URL-safe base64 unpadded.
  const std::string b64 = "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=";
  const std::string b64url = "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo";
  EXPECT_EQ(ParsedKey(kHexKey).bytes(), ParsedKey(b64).bytes());
  EXPECT_EQ(ParsedKey(kHexKey).bytes(), ParsedKey(b64url).bytes());
  EXPECT_EQ(ParsedKey(kHexKey).bytes(),
            ParsedKey("  " + kHexKey + "\n").bytes());  // a key file's newline
  EXPECT_NE(ParsedKey(kHexKey).bytes(), ParsedKey(std::string(64, 'b')).bytes());
  // The derived key is not the material itself.
  std::array<std::uint8_t, 32> material;
  material.fill(0xaa);
  EXPECT_NE(ParsedKey(kHexKey).bytes(), material);
}

TEST(SecretBox, ShortOrMalformedKeysAreRefusedWithoutEchoingThem) {
  for (const std::string& bad :
       {std::string(62, 'a'), std::string("rk"), std::string(""),
        std::string("not a key at all, just words!!"), std::string(63, 'a')}) {
    auto k = SecretKey::Parse(bad);
    ASSERT_FALSE(k.ok()) << bad;
    EXPECT_EQ(k.status().reason(), "invalid_secret_key") << bad;
    if (bad.size() > 3) {
      EXPECT_EQ(k.status().message().find(bad), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace stub
