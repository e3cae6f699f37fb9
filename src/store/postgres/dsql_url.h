// What a `dsql://` store URL means: an Aurora DSQL cluster reached through
// PostgresStore with a bare BEGIN, TLS and an IAM auth token per connection.
//
//   dsql://<cluster-endpoint>[:port]?user=…[&region=…][&database=postgres]
//          [&sslmode=verify-full|require][&sslrootcert=PATH][&expires=900]
//
//   cluster-endpoint  a DNS name, e.g. abc123.dsql.us-east-1.on.aws (letters,
//                     digits, '-', '.'); the token is signed for it.
//   port              1..65535; default 5432.
//   user              required: the database role. "admin" gets a
//                     DbConnectAdmin token, any other role DbConnect.
//   region            default: inferred from a standard endpoint
//                     <cluster-id>.dsql.<region>.on.aws; required otherwise.
//   database          default "postgres" (DSQL's one database).
//   sslmode           verify-full (default: the server's certificate chain
//                     and host name are checked) or require (encrypted, not
//                     authenticated). Anything weaker is refused: the token
//                     is a credential.
//   sslrootcert       the CA bundle verify-full checks against; default
//                     kDsqlDefaultRootCert, the system bundle (libpq 15,
//                     Debian 12's, has no sslrootcert=system). Under require
//                     it is passed only if given (libpq would otherwise
//                     verify the chain, making require mean verify-ca).
//   expires           the token lifetime in seconds, 1..604800; default 900.
//                     A token is checked only when a connection opens.
// Query values are percent-decoded; an unknown or repeated parameter, a
// password, user info or a path in the URL is refused.
//
// Everything here is pure: no clock reads and no environment reads of its
// own (both are passed in), no I/O. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time_util.h"
#include "store/postgres/dsql_auth.h"
#include "store/postgres/postgres_store.h"

namespace stub {

inline constexpr std::string_view kDsqlDefaultRootCert = "/etc/ssl/certs/ca-certificates.crt";

struct DsqlUrl {
  std::string host;
  int port = 5432;
  std::string region;
  std::string user;
  std::string database = "postgres";
  std::string sslmode = "verify-full";
  std::string sslrootcert;  // empty: none passed to libpq
  std::chrono::seconds expires = kDsqlDefaultTokenExpiry;
  bool operator==(const DsqlUrl&) const = default;
};

// Parses a dsql:// URL (see the top of this file), filling the defaults.
// Errors: kInvalidArgument with a message naming the problem (never echoing
// the whole URL back: it is not secret, but it may be long).
Result<DsqlUrl> ParseDsqlUrl(std::string_view url);

// The libpq key=value conninfo for `url`: host, port, dbname, user, sslmode
// and (if set) sslrootcert, every value single-quoted, with each quote and
// backslash inside it escaped by a backslash. No password: that comes from DsqlStoreOptions.
std::string DsqlConninfo(const DsqlUrl& url);

// Where the token source gets what it needs at connection time.
struct DsqlEnvironment {
  // The current time (µs since the Unix epoch, UTC).
  std::function<Timestamp()> now;
  // ::getenv in production (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
  // AWS_SESSION_TOKEN); may return nullptr.
  std::function<const char*(const char*)> getenv;
};

// The PostgresStore options for `url`: bare_begin, and a password callback
// that, for every new connection, reads the credentials and the time from
// `env` and returns a fresh DSQL auth token (GenerateDsqlAuthToken for
// url.host, url.region, url.user, url.expires). The callback's errors:
// kFailedPrecondition naming the missing AWS variables; kInvalidArgument for
// a token that cannot be built. The callback is thread-safe if `env`'s
// functions are.
PostgresStoreOptions DsqlStoreOptions(const DsqlUrl& url, DsqlEnvironment env);

}  // namespace stub
