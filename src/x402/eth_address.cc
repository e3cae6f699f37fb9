#include "x402/eth_address.h"

#include "core/sha256.h"
#include "x402/keccak256.h"

namespace stub::x402 {
namespace {

// The EIP-55 form of 40 lowercase hex digits: a letter is uppercased when the
// matching nibble of Keccak-256(the lowercase digits) is 8 or more.
std::string Checksummed(std::string_view lower_digits) {
  const Hash32 h = Keccak256(lower_digits);
  std::string out = "0x";
  out.reserve(42);
  for (std::size_t i = 0; i < lower_digits.size(); ++i) {
    const char c = lower_digits[i];
    const int nibble = (i % 2 == 0) ? h[i / 2] >> 4 : h[i / 2] & 0x0f;
    out += (c >= 'a' && c <= 'f' && nibble >= 8) ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

}  // namespace

Address AddressFromPublicKey(std::string_view public_key) {
  const Hash32 h = Keccak256(public_key);
  Address a;
  std::copy(h.begin() + 12, h.end(), a.bytes.begin());
  return a;
}

std::string ToLowerHex(const Address& address) {
  return "0x" + ToHex(std::string_view(reinterpret_cast<const char*>(address.bytes.data()),
                                       address.bytes.size()));
}

std::string ToChecksumHex(const Address& address) {
  const std::string lower = ToLowerHex(address);
  return Checksummed(std::string_view(lower).substr(2));
}

Result<Address> ParseAddress(std::string_view text) {
  if (text.size() != 42 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    return InvalidArgument("an address is 0x and 40 hex digits", "invalid_address");
  }
  const std::string_view digits = text.substr(2);
  std::string bytes;
  if (!FromHex(digits, bytes)) {
    return InvalidArgument("an address is 0x and 40 hex digits", "invalid_address");
  }
  bool has_lower = false;
  bool has_upper = false;
  for (const char c : digits) {
    has_lower = has_lower || (c >= 'a' && c <= 'f');
    has_upper = has_upper || (c >= 'A' && c <= 'F');
  }
  Address a;
  std::copy(bytes.begin(), bytes.end(), a.bytes.begin());
  if (has_lower && has_upper && ToChecksumHex(a).substr(2) != digits) {
    return InvalidArgument("the address's mixed-case checksum (EIP-55) does not match",
                           "invalid_address");
  }
  return a;
}

}  // namespace stub::x402
