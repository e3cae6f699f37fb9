#include "core/vendor.h"

#include <idn2.h>

#include <cstdlib>
#include <memory>

namespace stub {
namespace {

constexpr std::size_t kMaxHost = 253;
constexpr std::size_t kMaxLabel = 63;

Status Refuse(std::string_view raw, std::string_view why) {
  std::string shown(raw.substr(0, 80));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return InvalidArgument("vendor '" + shown + "' is not a host name: " + std::string(why),
                         "invalid_request");
}

bool IsAsciiAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
bool IsScheme(std::string_view s) {
  if (s.empty() || !IsAsciiAlpha(s.front())) return false;
  for (char c : s) {
    if (!IsAsciiAlpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

// Checks a lowercase ASCII DNS name: labels of [a-z0-9-], 1–63 bytes, not
// starting or ending with '-'.
bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > kMaxHost) return false;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = host.find('.', start);
    const std::string_view label =
        host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > kMaxLabel) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!IsAsciiAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// The longest IPv6 address text is 45 characters
// (ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255); with its brackets, 47.
constexpr std::size_t kMaxIpv6Literal = 47;

bool IsIpv6Literal(std::string_view host) {
  if (host.size() < 4 || host.size() > kMaxIpv6Literal || host.front() != '[' ||
      host.back() != ']') {
    return false;
  }
  for (char c : host.substr(1, host.size() - 2)) {
    if (!IsHexDigit(c) && c != ':' && c != '.') return false;
  }
  return host.find(':') != std::string_view::npos;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

Result<std::string> NormalizeVendor(std::string_view raw) {
  std::string_view v = raw;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return Refuse(raw, "it is empty");
  for (char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ' || c == '\\') {
      return Refuse(raw, "it contains spaces, backslashes or control characters");
    }
  }
  // Scheme: "letters://".
  if (const auto scheme = v.find("://"); scheme != std::string_view::npos) {
    if (!IsScheme(v.substr(0, scheme))) return Refuse(raw, "malformed scheme");
    v.remove_prefix(scheme + 3);
  }
  // Authority ends at the path, query or fragment.
  v = v.substr(0, v.find_first_of("/?#"));
  // Userinfo: everything up to the last '@'.
  if (const auto at = v.rfind('@'); at != std::string_view::npos) v.remove_prefix(at + 1);
  // Port: ":digits" after the host (after "]" for an IPv6 literal).
  if (!v.empty() && v.front() == '[') {
    const auto close = v.find(']');
    if (close == std::string_view::npos) return Refuse(raw, "unclosed IPv6 literal");
    std::string_view rest = v.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || rest.size() == 1 ||
          rest.substr(1).find_first_not_of("0123456789") != std::string_view::npos) {
        return Refuse(raw, "malformed port");
      }
      v = v.substr(0, close + 1);
    }
    std::string host = AsciiLower(v);
    if (!IsIpv6Literal(host)) return Refuse(raw, "malformed IPv6 literal");
    return host;
  }
  if (const auto colon = v.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = v.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
      return Refuse(raw, "malformed port");
    }
    v = v.substr(0, colon);
  }
  if (!v.empty() && v.back() == '.') v.remove_suffix(1);  // the root label
  if (v.empty()) return Refuse(raw, "no host");

  bool ascii = true;
  for (char c : v) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  std::string host;
  if (ascii) {
    host = AsciiLower(v);
  } else {
    // IDNA2008 with UTS #46 non-transitional mapping (case folding, NFC),
    // as browsers resolve names today.
    const std::string input(v);
    char* out = nullptr;
    const int rc = idn2_to_ascii_8z(input.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    std::unique_ptr<char, void (*)(void*)> owned(out, &idn2_free);
    if (rc != IDN2_OK || out == nullptr) {
      return Refuse(raw, std::string("not a valid international name (") + idn2_strerror(rc) + ")");
    }
    host = AsciiLower(out);
    if (!host.empty() && host.back() == '.') host.pop_back();
  }
  if (!IsHostName(host)) {
    return Refuse(raw, "a host name is dot-separated labels of letters, digits and '-'");
  }
  return host;
}

bool IsNormalizedVendor(std::string_view v) { return IsHostName(v) || IsIpv6Literal(v); }

Result<std::string> NormalizeVendorPattern(std::string_view raw) {
  std::string_view v = raw;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  if (v.substr(0, 2) == "*.") {
    STUB_ASSIGN_OR_RETURN(std::string base, NormalizeVendor(v.substr(2)));
    if (base.front() == '[' || base.find('.') == std::string::npos) {
      return InvalidArgument("vendor pattern '" + std::string(raw.substr(0, 80)) +
                                 "' must name a domain under '*.' (e.g. *.openai.com)",
                             "invalid_request");
    }
    return "*." + base;
  }
  if (v.find('*') != std::string_view::npos) {
    return InvalidArgument("vendor pattern '" + std::string(raw.substr(0, 80)) +
                               "': '*' is allowed only as a leading '*.'",
                           "invalid_request");
  }
  return NormalizeVendor(v);
}

bool VendorMatches(std::string_view pattern, std::string_view vendor) {
  if (pattern.substr(0, 2) != "*.") return pattern == vendor;
  const std::string_view base = pattern.substr(1);  // ".openai.com"
  return vendor.size() > base.size() && vendor.substr(vendor.size() - base.size()) == base;
}

}  // namespace stub
