#include "store/postgres/dsql_auth.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stub {

Result<std::string> GenerateDsqlAuthToken(const DsqlTokenRequest& request) {
  if (request.hostname.empty()) return InvalidArgument("dsql auth: hostname is empty");
  if (request.region.empty()) return InvalidArgument("dsql auth: region is empty");
  if (request.user.empty()) return InvalidArgument("dsql auth: user is empty");
  STUB_ASSIGN_OR_RETURN(std::string amz_date, FormatAmzDate(request.now));

  const SigV4PresignRequest presign = {
      .method = "GET",
      .host = request.hostname,
      .path = "/",
      .query = {{"Action", request.user == "admin" ? "DbConnectAdmin" : "DbConnect"}},
      .service = "dsql",
      .region = request.region,
      .credentials = request.credentials,
      .amz_date = std::move(amz_date),
      .expires = request.expires_in,
  };
  Result<SigV4Presigned> signed_url = PresignSigV4(presign);
  if (!signed_url.ok()) {
    Status s = std::move(signed_url).status();
    return Status(s.code(), "dsql auth token: " + s.message(), s.reason());
  }
  return request.hostname + signed_url->canonical_uri + '?' + signed_url->query_string;
}

Result<std::string> DsqlRegionFromHostname(std::string_view hostname) {
  if (!hostname.empty() && hostname.back() == '.') hostname.remove_suffix(1);
  constexpr std::string_view kSuffix = ".on.aws";
  constexpr std::string_view kInfix = ".dsql.";
  const auto bad = [] {
    return InvalidArgument(
        "dsql auth: cannot infer the region from the hostname (expected "
        "<cluster-id>.dsql.<region>.on.aws); give the region explicitly");
  };
  if (hostname.size() <= kSuffix.size() ||
      hostname.substr(hostname.size() - kSuffix.size()) != kSuffix) {
    return bad();
  }
  std::string_view rest = hostname.substr(0, hostname.size() - kSuffix.size());
  const std::size_t infix = rest.find(kInfix);
  if (infix == std::string_view::npos) return bad();
  // Both the cluster id and the region are single DNS labels.
  const auto is_label = [](std::string_view label) {
    return !label.empty() && std::all_of(label.begin(), label.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
  };
  const std::string_view cluster_id = rest.substr(0, infix);
  const std::string_view region = rest.substr(infix + kInfix.size());
  if (!is_label(cluster_id) || !is_label(region)) return bad();
  return std::string(region);
}

Result<AwsCredentials> CredentialsFromEnvironment(
    const std::function<const char*(const char*)>& getenv) {
  const auto read = [&](const char* name) -> std::string {
    const char* value = getenv ? getenv(name) : nullptr;
    return value != nullptr ? std::string(value) : std::string();
  };
  AwsCredentials creds;
  creds.access_key_id = read("AWS_ACCESS_KEY_ID");
  creds.secret_access_key = read("AWS_SECRET_ACCESS_KEY");
  creds.session_token = read("AWS_SESSION_TOKEN");
  std::vector<std::string_view> missing;
  if (creds.access_key_id.empty()) missing.push_back("AWS_ACCESS_KEY_ID");
  if (creds.secret_access_key.empty()) missing.push_back("AWS_SECRET_ACCESS_KEY");
  if (!missing.empty()) {
    std::string names;
    for (std::string_view n : missing) {
      if (!names.empty()) names += " and ";
      names += n;
    }
    return FailedPrecondition(
        "AWS credentials not found: " + names + (missing.size() == 1 ? " is" : " are") +
        " not set; Aurora DSQL IAM auth reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, for "
        "temporary credentials, AWS_SESSION_TOKEN from the environment");
  }
  return creds;
}

}  // namespace stub
