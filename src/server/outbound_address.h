// Which addresses a request Stub makes for a client may reach (BRIEF.md:
// "targets chosen by a client are checked against private, loopback and
// metadata addresses"). The x402 paying fetch resolves the URL an agent
// gave, checks every address the name resolves to here, and connects only
// to the addresses it checked (no second lookup: a DNS answer that changes
// between check and connect cannot reach past this).
//
// Pure; thread-safe.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <utility>

namespace stub {

// True when `address` is a public unicast address: not unspecified,
// loopback, private (RFC 1918, IPv6 ULA fc00::/7), carrier-grade NAT
// (100.64.0.0/10), link-local (169.254.0.0/16 — where cloud metadata
// services answer — and fe80::/10), benchmarking, documentation, IETF
// protocol assignments, multicast, reserved or broadcast. An IPv4 address
// inside IPv6 (::ffff:a.b.c.d, 64:ff9b::a.b.c.d, ::a.b.c.d) is judged as
// the IPv4 address it carries.
bool IsPublicAddress(const boost::asio::ip::address& address);

}  // namespace stub
