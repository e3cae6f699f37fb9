// AWS Signature Version 4 query-string presigning ("presigned URLs"), pure and
// in-process: no clock reads, no I/O, no global state. Thread-safe.
//
// The algorithm is the one documented at
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// and exercised by the public AWS SigV4 test suite (awslabs/aws-c-auth,
// tests/aws-signing-test-suite/v4/*/query-*.txt), which the unit tests check
// byte for byte:
//
//   canonical request = METHOD \n canonical URI \n canonical query \n
//                       canonical headers (each "name:value\n") \n
//                       signed headers \n payload hash
//   string to sign    = "AWS4-HMAC-SHA256" \n X-Amz-Date \n scope \n
//                       hex(SHA-256(canonical request))
//   scope             = YYYYMMDD/region/service/aws4_request
//   signing key       = HMAC chain "AWS4"+secret → date → region → service →
//                       "aws4_request"
//   signature         = hex(HMAC-SHA256(signing key, string to sign))
//
// The X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
// X-Amz-SignedHeaders and (with a session token) X-Amz-Security-Token
// parameters are added to the query and signed; X-Amz-Signature is appended
// to the result and is not part of the canonical query.
//
// Payload hash: the test suite's query-signed cases, and the DSQL/RDS token
// generators of the AWS SDKs, sign the hex SHA-256 of the (empty) body. Only
// S3 uses the literal "UNSIGNED-PAYLOAD" for presigned URLs. The default
// below is therefore the empty-body hash; pass kSigV4UnsignedPayload for S3.
//
// Secrets: the secret access key and the session token never appear in a
// returned Status message. The session token is, by design of presigned URLs,
// part of the returned query string (X-Amz-Security-Token); treat the output
// as a credential.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "core/time_util.h"

namespace stub {

// AWS credentials. `session_token` is empty for long-term (IAM user) keys and
// set for temporary (STS) credentials.
struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: none
};

// Hex SHA-256 of the empty string: the payload hash of a body-less request.
inline constexpr std::string_view kSigV4EmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
// The payload hash S3 presigned URLs use.
inline constexpr std::string_view kSigV4UnsignedPayload = "UNSIGNED-PAYLOAD";

// The longest X-Amz-Expires AWS accepts: 7 days.
inline constexpr std::chrono::seconds kSigV4MaxExpires{604800};

struct SigV4PresignRequest {
  // HTTP method, uppercase letters only ("GET").
  std::string method = "GET";
  // The Host header value, signed as "host" (lowercase): a hostname, optionally
  // with ":port". No scheme, path, userinfo, whitespace or control characters.
  std::string host;
  // The absolute request path, NOT yet percent-encoded; it must start with '/'.
  // It is URI-encoded once ('/' kept) to form the canonical URI, as in the
  // test suite. No dot-segment normalization is done: pass a normalized path.
  std::string path = "/";
  // Query parameters, raw (not yet percent-encoded). A key may repeat. Keys
  // must not be any of the X-Amz-* parameters this function adds.
  std::multimap<std::string, std::string> query;
  // Headers to sign besides host (which is always signed, from `host`): names
  // are case-insensitive (lowercased for signing), must not be "host", and
  // repeated names are joined with ',' in the order given. Values are trimmed
  // and runs of spaces collapsed; they must not contain control characters
  // other than tab.
  std::vector<std::pair<std::string, std::string>> headers;
  // Signing service ("dsql", "rds-db", "s3", ...) and region ("us-east-1").
  // Non-empty; letters, digits, '-', '_' and '.' only.
  std::string service;
  std::string region;
  // access_key_id: non-empty, no '/' or control characters.
  // secret_access_key: non-empty.
  AwsCredentials credentials;
  // The signing time as X-Amz-Date: YYYYMMDD'T'HHMMSS'Z' (UTC). See FormatAmzDate.
  std::string amz_date;
  // X-Amz-Expires: 1 s .. kSigV4MaxExpires.
  std::chrono::seconds expires{3600};
  // Hex SHA-256 of the body, or kSigV4UnsignedPayload. Non-empty, printable.
  std::string payload_hash = std::string(kSigV4EmptyPayloadSha256);
};

struct SigV4Presigned {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // 64 lowercase hex digits
  // The URI-encoded path, for the request line / URL.
  std::string canonical_uri;
  // The query string to send: the canonical query string (sorted; includes
  // the caller's parameters and the signed X-Amz-* ones) followed by
  // "&X-Amz-Signature=<signature>". No leading '?'.
  std::string query_string;
};

// Presigns a request. Errors: kInvalidArgument for a malformed request (the
// message names the offending field, never a secret value); kInternal if
// OpenSSL fails.
Result<SigV4Presigned> PresignSigV4(const SigV4PresignRequest& request);

// RFC 3986 percent-encoding as SigV4 requires: the unreserved characters
// A-Z a-z 0-9 '-' '_' '.' '~' are kept, every other byte becomes %XX with
// uppercase hex. '/' is kept when `keep_slash` (paths) and encoded otherwise
// (query keys and values). Bytes are encoded as-is (UTF-8 in, UTF-8 out).
std::string SigV4UriEncode(std::string_view text, bool keep_slash);

// Formats a timestamp as X-Amz-Date, YYYYMMDD'T'HHMMSS'Z' (UTC), truncating
// sub-second micros. Errors: kInvalidArgument for years outside 1970..9999.
Result<std::string> FormatAmzDate(Timestamp t);

}  // namespace stub
