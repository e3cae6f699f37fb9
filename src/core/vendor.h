// Vendor names: one normalisation, used everywhere a vendor enters Stub
// (spends, holds, policy allow/block lists), so a list entry and a spend
// compare as the same bytes, and the matching rules that keep suffix tricks
// out of allow lists.
//
// A vendor is a host: a DNS name (IDN in its ASCII/punycode form), an IPv4
// address, or a bracketed IPv6 literal. NormalizeVendor accepts what people
// and agents paste — a URL, a host with a port, mixed case, a trailing dot,
// a Unicode name — and returns the host alone:
//   "https://API.OpenAI.com:443/v1/chat?x=1"  → "api.openai.com"
//   "api.openai.com."                         → "api.openai.com"
//   "user:pw@api.openai.com"                  → "api.openai.com"
//   "api.openai.com@evil.net"                 → "evil.net"   (userinfo, as a
//                                                browser would resolve it)
//   "Bücher.example"                          → "xn--bcher-kva.example"
// Anything else (empty, spaces or control bytes inside, a label longer than
// 63 or a name longer than 253 bytes, characters not allowed in a host name,
// invalid UTF-8, an IDN that IDNA2008/UTS #46 refuses) is kInvalidArgument
// with reason "invalid_request".
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace stub {

Result<std::string> NormalizeVendor(std::string_view raw);

// Whether `v` is already in normal form (NormalizeVendor(v) == v): a cheap
// check for the spend path, where vendors were normalised on the way in.
bool IsNormalizedVendor(std::string_view v);

// A vendor list entry: a normalised host ("api.openai.com": that host only)
// or "*." and a normalised host ("*.openai.com": every host *under* it, not
// the domain itself — list "openai.com" too to include it). Errors as
// NormalizeVendor; a "*" anywhere else is refused.
Result<std::string> NormalizeVendorPattern(std::string_view raw);

// Whether the normalised `vendor` matches the normalised `pattern`: equal
// bytes, or for "*.d" a vendor that ends in ".d" with at least one more label
// in front. So "*.openai.com" matches "api.openai.com" but never
// "evilopenai.com", "api.openai.com.evil.net" or "openai.com".
bool VendorMatches(std::string_view pattern, std::string_view vendor);

}  // namespace stub
