#include "server/outbound_address.h"

#include <array>
#include <cstdint>

namespace stub {
namespace {

struct V4Range {
  std::uint32_t base;
  int prefix;
};

constexpr std::uint32_t V4(int a, int b, int c, int d) {
  return (static_cast<std::uint32_t>(a) << 24) | (static_cast<std::uint32_t>(b) << 16) |
         (static_cast<std::uint32_t>(c) << 8) | static_cast<std::uint32_t>(d);
}

// IANA's IPv4 special-purpose registry, less what is globally reachable.
constexpr std::array<V4Range, 16> kV4NotPublic = {{
    {V4(0, 0, 0, 0), 8},        // "this network"
    {V4(10, 0, 0, 0), 8},       // private
    {V4(100, 64, 0, 0), 10},    // carrier-grade NAT
    {V4(127, 0, 0, 0), 8},      // loopback
    {V4(169, 254, 0, 0), 16},   // link-local; cloud metadata (169.254.169.254)
    {V4(172, 16, 0, 0), 12},    // private
    {V4(192, 0, 0, 0), 24},     // IETF protocol assignments
    {V4(192, 0, 2, 0), 24},     // documentation
    {V4(192, 88, 99, 0), 24},   // deprecated 6to4 relay anycast
    {V4(192, 168, 0, 0), 16},   // private
    {V4(198, 18, 0, 0), 15},    // benchmarking
    {V4(198, 51, 100, 0), 24},  // documentation
    {V4(203, 0, 113, 0), 24},   // documentation
    {V4(224, 0, 0, 0), 4},      // multicast
    {V4(240, 0, 0, 0), 4},      // reserved, and 255.255.255.255
    {V4(255, 255, 255, 255), 32},
}};

bool IsPublicV4(std::uint32_t a) {
  for (const V4Range& r : kV4NotPublic) {
    const std::uint32_t mask = r.prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - r.prefix);
    if ((a & mask) == r.base) return false;
  }
  return true;
}

std::uint32_t LastFour(const std::array<unsigned char, 16>& b) {
  return V4(b[12], b[13], b[14], b[15]);
}

bool IsPublicV6(const boost::asio::ip::address_v6& v6) {
  const auto b = v6.to_bytes();
  const auto prefix_is = [&](std::initializer_list<unsigned char> head) {
    std::size_t i = 0;
    for (const unsigned char c : head) {
      if (b[i++] != c) return false;
    }
    return true;
  };
  if (v6.is_unspecified() || v6.is_loopback() || v6.is_multicast()) return false;
  if (v6.is_v4_mapped()) return IsPublicV4(LastFour(b));
  // ::a.b.c.d (deprecated IPv4-compatible) and 64:ff9b::/96 (NAT64).
  if (prefix_is({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})) return IsPublicV4(LastFour(b));
  if (prefix_is({0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0})) return IsPublicV4(LastFour(b));
  if ((b[0] & 0xfe) == 0xfc) return false;                  // fc00::/7 unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // fe80::/10 link-local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return false;  // fec0::/10 site-local
  if (prefix_is({0x20, 0x01, 0x0d, 0xb8})) return false;    // 2001:db8::/32 documentation
  if (prefix_is({0x20, 0x02})) {                            // 6to4: the IPv4 inside
    return IsPublicV4(V4(b[2], b[3], b[4], b[5]));
  }
  if (prefix_is({0x01, 0x00, 0, 0, 0, 0, 0, 0})) return false;  // 100::/64 discard
  return true;
}

}  // namespace

bool IsPublicAddress(const boost::asio::ip::address& address) {
  if (address.is_v4()) return IsPublicV4(address.to_v4().to_uint());
  return IsPublicV6(address.to_v6());
}

}  // namespace stub
