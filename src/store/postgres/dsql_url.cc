#include "store/postgres/dsql_url.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace stub {
namespace {

constexpr std::string_view kScheme = "dsql://";
constexpr std::int64_t kMaxExpirySeconds = 604'800;  // SigV4's one week

Status Bad(std::string what) { return InvalidArgument("dsql:// URL: " + std::move(what)); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding ('+' stays '+'). A NUL byte is refused: libpq
// values are C strings.
Result<std::string> PercentDecode(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) return Bad("malformed percent-encoding in " + std::string(what));
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return Bad(std::string(what) + " contains a NUL byte");
    out += c;
    i += 2;
  }
  return out;
}

bool IsHostname(std::string_view host) {
  return !host.empty() && host.size() <= 253 && host.front() != '.' && host.front() != '-' &&
         std::all_of(host.begin(), host.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.';
         });
}

std::optional<std::int64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// key='value' with ' and \ escaped, as libpq's conninfo grammar wants.
void AppendParam(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  out += key;
  out += "='";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
}

}  // namespace

Result<DsqlUrl> ParseDsqlUrl(std::string_view url) {
  if (!url.starts_with(kScheme)) return Bad("must start with dsql://");
  std::string_view rest = url.substr(kScheme.size());
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    return Bad("a fragment ('#') is not allowed");
  }
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    if (rest.substr(slash) != "/") {
      return Bad("a path is not allowed; give the database as ?database=NAME");
    }
  }
  if (authority.find('@') != std::string_view::npos) {
    return Bad(
        "user info ('user@' or a password) is not allowed; give ?user=ROLE (the password is an "
        "IAM token made per connection)");
  }

  DsqlUrl out;
  std::string_view host = authority;
  if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    const std::string_view port_text = authority.substr(colon + 1);
    const std::optional<std::int64_t> port = ParseDecimal(port_text);
    if (!port || *port < 1 || *port > 65535) {
      return Bad("port '" + std::string(port_text) + "' is not a number in 1..65535");
    }
    out.port = static_cast<int>(*port);
  }
  if (host.empty()) return Bad("the cluster endpoint is missing (dsql://<endpoint>?user=…)");
  if (!IsHostname(host)) {
    return Bad("the cluster endpoint '" + std::string(host) +
               "' is not a host name (letters, digits, '-', '.')");
  }
  out.host = std::string(host);

  std::set<std::string, std::less<>> seen;
  std::optional<std::string> region;
  std::optional<std::string> sslmode;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) {
      return Bad("parameter '" + std::string(pair) + "' has no value (expected name=value)");
    }
    const std::string_view name = pair.substr(0, eq);
    STUB_ASSIGN_OR_RETURN(std::string value, PercentDecode(pair.substr(eq + 1), name));
    if (!seen.insert(std::string(name)).second) {
      return Bad("parameter '" + std::string(name) + "' is given twice");
    }
    if (value.empty()) return Bad("parameter '" + std::string(name) + "' is empty");
    if (name == "user") {
      out.user = std::move(value);
    } else if (name == "region") {
      region = std::move(value);
    } else if (name == "database") {
      out.database = std::move(value);
    } else if (name == "sslmode") {
      sslmode = std::move(value);
    } else if (name == "sslrootcert") {
      out.sslrootcert = std::move(value);
    } else if (name == "expires") {
      const std::optional<std::int64_t> seconds = ParseDecimal(value);
      if (!seconds || *seconds < 1 || *seconds > kMaxExpirySeconds) {
        return Bad("expires '" + value + "' is not a number of seconds in 1..604800");
      }
      out.expires = std::chrono::seconds(*seconds);
    } else {
      return Bad("unknown parameter '" + std::string(name) +
                 "' (known: user, region, database, sslmode, sslrootcert, expires)");
    }
  }

  if (out.user.empty()) return Bad("user is missing (?user=admin or ?user=ROLE)");
  if (region) {
    out.region = std::move(*region);
  } else {
    Result<std::string> inferred = DsqlRegionFromHostname(out.host);
    if (!inferred.ok()) {
      return Bad("region is missing and cannot be inferred from '" + out.host +
                 "' (expected <cluster-id>.dsql.<region>.on.aws); give ?region=…");
    }
    out.region = std::move(*inferred);
  }
  if (sslmode) {
    if (*sslmode != "verify-full" && *sslmode != "require") {
      return Bad("sslmode '" + *sslmode +
                 "' is refused: DSQL needs TLS (verify-full, the default, or require)");
    }
    out.sslmode = std::move(*sslmode);
  }
  if (out.sslmode == "verify-full" && out.sslrootcert.empty()) {
    out.sslrootcert = std::string(kDsqlDefaultRootCert);
  }
  return out;
}

std::string DsqlConninfo(const DsqlUrl& url) {
  std::string out;
  AppendParam(out, "host", url.host);
  AppendParam(out, "port", std::to_string(url.port));
  AppendParam(out, "dbname", url.database);
  AppendParam(out, "user", url.user);
  AppendParam(out, "sslmode", url.sslmode);
  if (!url.sslrootcert.empty()) AppendParam(out, "sslrootcert", url.sslrootcert);
  return out;
}

PostgresStoreOptions DsqlStoreOptions(const DsqlUrl& url, DsqlEnvironment env) {
  PostgresStoreOptions options;
  options.bare_begin = true;
  options.password = [host = url.host, region = url.region, user = url.user, expires = url.expires,
                      env = std::move(env)]() -> Result<std::string> {
    if (!env.now) return Internal("dsql token source: no clock");
    STUB_ASSIGN_OR_RETURN(AwsCredentials credentials, CredentialsFromEnvironment(env.getenv));
    return GenerateDsqlAuthToken({.hostname = host,
                                  .region = region,
                                  .user = user,
                                  .credentials = std::move(credentials),
                                  .now = env.now(),
                                  .expires_in = expires});
  };
  return options;
}

}  // namespace stub
