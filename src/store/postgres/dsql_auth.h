// Aurora DSQL IAM authentication tokens, generated in-process.
//
// A DSQL token is a SigV4 presigned URL (see sigv4.h) for
//   GET https://<cluster endpoint>/?Action=DbConnect   (any other user)
//   GET https://<cluster endpoint>/?Action=DbConnectAdmin   (user "admin")
// signed for service "dsql" with only the host header signed and the empty
// payload hash, with the "https://" scheme stripped:
//   <endpoint>/?Action=DbConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256&
//   X-Amz-Credential=...&X-Amz-Date=...&X-Amz-Expires=900&
//   [X-Amz-Security-Token=...&]X-Amz-SignedHeaders=host&X-Amz-Signature=...
// It is sent as the PostgreSQL password (TLS required). A token is checked
// only when a connection is opened, so generate a fresh one for each new
// connection; an open connection outlives its token's expiry.
//
// The output matches the AWS SDKs' DsqlUtilities / aws dsql
// generate-db-connect[-admin]-auth-token byte for byte (the unit tests pin
// their published vectors).
//
// Everything here is pure (no clock reads: `now` is passed in; the
// environment is read through a getenv callback) and thread-safe. Secret
// values never appear in a Status message; the token itself is a credential
// (it embeds the session token) and must not be logged.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time_util.h"
#include "store/postgres/sigv4.h"

namespace stub {

// The AWS CLI/SDK default token lifetime.
inline constexpr std::chrono::seconds kDsqlDefaultTokenExpiry{900};

struct DsqlTokenRequest {
  // The cluster endpoint, e.g. "abc123.dsql.us-east-1.on.aws" (no scheme, no
  // path); signed as the host header exactly as given.
  std::string hostname;
  // The cluster's region, e.g. "us-east-1". See DsqlRegionFromHostname.
  std::string region;
  // The database role to connect as: "admin" (exactly) selects
  // Action=DbConnectAdmin, any other non-empty name Action=DbConnect.
  std::string user;
  AwsCredentials credentials;
  // The signing time (X-Amz-Date); the token is valid from then until
  // now + expires_in.
  Timestamp now = 0;
  // 1 s .. 604800 s (one week).
  std::chrono::seconds expires_in = kDsqlDefaultTokenExpiry;
};

// The token (the presigned URL without "https://"), to be used as the
// password. Errors: kInvalidArgument for a malformed request (empty or
// malformed hostname, region or user, bad expiry, missing credentials,
// timestamp outside years 1970..9999); kInternal if OpenSSL fails.
Result<std::string> GenerateDsqlAuthToken(const DsqlTokenRequest& request);

// The region of a standard DSQL endpoint "<cluster-id>.dsql.<region>.on.aws"
// (a trailing '.' is ignored). Errors: kInvalidArgument for any other shape,
// in which case the region must be given explicitly.
Result<std::string> DsqlRegionFromHostname(std::string_view hostname);

// Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the optional
// AWS_SESSION_TOKEN through `getenv` (pass ::getenv in production; it may
// return nullptr). An empty variable counts as unset. Errors:
// kFailedPrecondition naming the missing variable(s), never their values.
Result<AwsCredentials> CredentialsFromEnvironment(
    const std::function<const char*(const char*)>& getenv);

}  // namespace stub
