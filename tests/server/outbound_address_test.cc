#include "server/outbound_address.h"

#include <gtest/gtest.h>

#include <string>

namespace stub {
namespace {

bool Public(const std::string& text) {
  return IsPublicAddress(boost::asio::ip::make_address(text));
}

TEST(OutboundAddressTest, RefusesEveryAddressThatIsNotPublic) {
  for (const char* a : {"0.0.0.0",
                        "10.1.2.3",
                        "100.64.0.1",
                        "127.0.0.1",
                        "127.255.255.254",
                        "169.254.169.254",
                        "172.16.0.1",
                        "172.31.255.255",
                        "192.0.0.170",
                        "192.0.2.1",
                        "192.168.1.1",
                        "198.18.0.1",
                        "198.51.100.7",
                        "203.0.113.9",
                        "224.0.0.1",
                        "239.255.255.250",
                        "240.0.0.1",
                        "255.255.255.255",
                        "::",
                        "::1",
                        "fc00::1",
                        "fd00:ec2::254",
                        "fe80::1",
                        "fec0::1",
                        "ff02::1",
                        "2001:db8::1",
                        "::ffff:127.0.0.1",
                        "::ffff:169.254.169.254",
                        "::127.0.0.1",
                        "64:ff9b::10.0.0.1",
                        "2002:7f00:1::",
                        "100::1"}) {
    EXPECT_FALSE(Public(a)) << a;
  }
}

TEST(OutboundAddressTest, AllowsPublicAddresses) {
  for (const char* a :
       {"1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "192.169.0.1", "2606:4700:4700::1111",
        "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:0808:0808::1"}) {
    EXPECT_TRUE(Public(a)) << a;
  }
}

}  // namespace
}  // namespace stub
