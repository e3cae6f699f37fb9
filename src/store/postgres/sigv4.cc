#include "store/postgres/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/sha256.h"

namespace stub {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";

// The parameters PresignSigV4 adds; a caller's query must not carry them.
constexpr std::array<std::string_view, 7> kReservedParams = {
    "X-Amz-Algorithm",     "X-Amz-Credential",     "X-Amz-Date",      "X-Amz-Expires",
    "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature",
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}
char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsUnreserved(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

// HMAC-SHA256(key, data). The digest is returned as raw bytes in a string.
Result<std::string> HmacSha256(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &len) == nullptr ||
      len != 32) {
    return Internal("sigv4: HMAC-SHA256 failed in OpenSSL");
  }
  std::string digest(reinterpret_cast<const char*>(out.data()), len);
  OPENSSL_cleanse(out.data(), out.size());
  return digest;
}

// Overwrites a string holding key material before it is freed.
void Cleanse(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

bool ValidAmzDate(std::string_view d) {
  if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z') return false;
  for (std::size_t i = 0; i < 15; ++i) {
    if (i != 8 && !IsDigit(d[i])) return false;
  }
  auto num = [&](std::size_t pos, std::size_t n) {
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) v = v * 10 + (d[i] - '0');
    return v;
  };
  const int month = num(4, 2), day = num(6, 2);
  const int hour = num(9, 2), minute = num(11, 2), second = num(13, 2);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
         second <= 60;
}

// Service and region: a conservative character set that cannot break the
// credential scope (no '/') or the string to sign (no newline).
bool ValidScopeComponent(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return IsAlpha(c) || IsDigit(c) || c == '-' || c == '_' || c == '.';
  });
}

bool ValidHost(std::string_view h) {
  if (h.empty()) return false;
  return std::none_of(h.begin(), h.end(), [](char c) {
    return IsControl(c) || c == ' ' || c == '/' || c == '?' || c == '#' || c == '@' || c == '\\';
  });
}

// A header field name (RFC 9110 token characters, simplified).
bool ValidHeaderName(std::string_view n) {
  if (n.empty()) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return IsAlpha(c) || IsDigit(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// SigV4 header value canonicalization: trim leading/trailing whitespace and
// collapse each internal run of whitespace (space or tab) into one space.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string SigV4UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(c);
    } else {
      const auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0x0f]);
    }
  }
  return out;
}

Result<std::string> FormatAmzDate(Timestamp t) {
  // MakeTimestamp(10000, 1, 1) without calling into core for a constant.
  constexpr Timestamp kYear10000 = 253402300800LL * kMicrosPerSecond;
  if (t < 0 || t >= kYear10000) {
    return InvalidArgument("sigv4: timestamp outside years 1970..9999");
  }
  const Timestamp whole = t - t % kMicrosPerSecond;
  const std::string rfc = FormatRfc3339(whole);  // "YYYY-MM-DDTHH:MM:SSZ"
  std::string out;
  out.reserve(16);
  for (char c : rfc) {
    if (c != '-' && c != ':') out.push_back(c);
  }
  if (!ValidAmzDate(out)) return Internal("sigv4: unexpected RFC 3339 timestamp format");
  return out;
}

Result<SigV4Presigned> PresignSigV4(const SigV4PresignRequest& r) {
  // --- validate (messages name fields, never values of secrets) ---
  if (r.method.empty() ||
      !std::all_of(r.method.begin(), r.method.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return InvalidArgument("sigv4: method must be non-empty uppercase letters");
  }
  if (!ValidHost(r.host)) {
    return InvalidArgument(
        "sigv4: host must be a non-empty hostname[:port] without scheme, path or whitespace");
  }
  if (r.path.empty() || r.path.front() != '/') {
    return InvalidArgument("sigv4: path must start with '/'");
  }
  if (!ValidScopeComponent(r.service)) {
    return InvalidArgument("sigv4: service must be non-empty [A-Za-z0-9._-]");
  }
  if (!ValidScopeComponent(r.region)) {
    return InvalidArgument("sigv4: region must be non-empty [A-Za-z0-9._-]");
  }
  const AwsCredentials& creds = r.credentials;
  if (creds.access_key_id.empty() ||
      std::any_of(creds.access_key_id.begin(), creds.access_key_id.end(),
                  [](char c) { return IsControl(c) || c == '/' || c == ' '; })) {
    return InvalidArgument("sigv4: access key id must be non-empty, without '/' or whitespace");
  }
  if (creds.secret_access_key.empty()) {
    return InvalidArgument("sigv4: secret access key is empty");
  }
  if (!ValidAmzDate(r.amz_date)) {
    return InvalidArgument("sigv4: amz_date must be YYYYMMDD'T'HHMMSS'Z'");
  }
  if (r.expires < std::chrono::seconds(1) || r.expires > kSigV4MaxExpires) {
    return InvalidArgument("sigv4: expires must be between 1 and 604800 seconds");
  }
  if (r.payload_hash.empty() || std::any_of(r.payload_hash.begin(), r.payload_hash.end(),
                                            [](char c) { return IsControl(c) || c == ' '; })) {
    return InvalidArgument("sigv4: payload_hash must be non-empty and printable");
  }
  for (const auto& [key, value] : r.query) {
    if (std::find(kReservedParams.begin(), kReservedParams.end(), key) != kReservedParams.end()) {
      return InvalidArgument("sigv4: query parameter " + key + " is set by the signer");
    }
  }

  // --- canonical headers: lowercase names, sorted; host always signed ---
  std::vector<std::pair<std::string, std::string>> headers;  // (name, value)
  headers.reserve(r.headers.size() + 1);
  headers.emplace_back("host", CanonicalHeaderValue(r.host));
  for (const auto& [name, value] : r.headers) {
    if (!ValidHeaderName(name)) return InvalidArgument("sigv4: invalid header name");
    std::string lower(name.size(), '\0');
    std::transform(name.begin(), name.end(), lower.begin(), ToLowerAscii);
    if (lower == "host") {
      return InvalidArgument("sigv4: pass the host in `host`, not in `headers`");
    }
    if (std::any_of(value.begin(), value.end(), [](char c) { return IsControl(c) && c != '\t'; })) {
      return InvalidArgument("sigv4: header " + lower + " has a control character in its value");
    }
    std::string canonical = CanonicalHeaderValue(value);
    auto it = std::find_if(headers.begin(), headers.end(),
                           [&](const auto& h) { return h.first == lower; });
    if (it != headers.end()) {
      it->second += ',';
      it->second += canonical;
    } else {
      headers.emplace_back(std::move(lower), std::move(canonical));
    }
  }
  std::sort(headers.begin(), headers.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers;
  std::string signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name;
    canonical_headers += ':';
    canonical_headers += value;
    canonical_headers += '\n';
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }

  // --- canonical query: encoded pairs sorted by key, then value ---
  const std::string date = r.amz_date.substr(0, 8);
  const std::string scope =
      date + '/' + r.region + '/' + r.service + '/' + std::string(kTerminator);
  std::vector<std::pair<std::string, std::string>> params;
  params.reserve(r.query.size() + 6);
  for (const auto& [key, value] : r.query) {
    params.emplace_back(SigV4UriEncode(key, false), SigV4UriEncode(value, false));
  }
  auto add = [&](std::string_view key, std::string_view value) {
    params.emplace_back(std::string(key), SigV4UriEncode(value, false));
  };
  add("X-Amz-Algorithm", kAlgorithm);
  add("X-Amz-Credential", creds.access_key_id + '/' + scope);
  add("X-Amz-Date", r.amz_date);
  add("X-Amz-Expires", std::to_string(r.expires.count()));
  if (!creds.session_token.empty()) add("X-Amz-Security-Token", creds.session_token);
  add("X-Amz-SignedHeaders", signed_headers);
  std::sort(params.begin(), params.end());
  std::string canonical_query;
  for (const auto& [key, value] : params) {
    if (!canonical_query.empty()) canonical_query += '&';
    canonical_query += key;
    canonical_query += '=';
    canonical_query += value;
  }

  SigV4Presigned out;
  out.canonical_uri = SigV4UriEncode(r.path, true);
  out.canonical_request = r.method + '\n' + out.canonical_uri + '\n' + canonical_query + '\n' +
                          canonical_headers + '\n' + signed_headers + '\n' + r.payload_hash;
  out.string_to_sign = std::string(kAlgorithm) + '\n' + r.amz_date + '\n' + scope + '\n' +
                       ToHex(Sha256(out.canonical_request));

  // --- signing key and signature; intermediate keys are wiped ---
  std::string key = "AWS4" + creds.secret_access_key;
  for (std::string_view part : {std::string_view(date), std::string_view(r.region),
                                std::string_view(r.service), kTerminator}) {
    Result<std::string> next = HmacSha256(key, part);
    Cleanse(key);
    if (!next.ok()) return std::move(next).status();
    key = std::move(next).value();
  }
  Result<std::string> mac = HmacSha256(key, out.string_to_sign);
  Cleanse(key);
  if (!mac.ok()) return std::move(mac).status();
  out.signature = ToHex(*mac);

  out.query_string = std::move(canonical_query);
  out.query_string += "&X-Amz-Signature=";
  out.query_string += out.signature;
  return out;
}

}  // namespace stub
