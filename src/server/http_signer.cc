#include "server/http_signer.h"

#include <cstdlib>

#include "core/json_input.h"
#include "core/sha256.h"

namespace stub {
namespace {

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;
constexpr std::chrono::milliseconds kTimeout{10'000};

std::string TokenVariable(std::string_view name) {
  std::string var = "STUB_SIGNER_TOKEN_";
  for (const char c : name) {
    var += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return var;
}

}  // namespace

Result<std::shared_ptr<HttpSigner>> HttpSigner::Make(std::string_view name, std::string_view url,
                                                     UpstreamPool& pool) {
  STUB_ASSIGN_OR_RETURN(UpstreamTarget target, UpstreamTarget::Parse(url));
  const char* token = std::getenv(TokenVariable(name).c_str());
  return std::shared_ptr<HttpSigner>(
      new HttpSigner(std::string(name), std::move(target), pool, token ? token : ""));
}

HttpSigner::HttpSigner(std::string name, UpstreamTarget target, UpstreamPool& pool,
                       std::string token)
    : name_(std::move(name)), target_(std::move(target)), pool_(pool), token_(std::move(token)) {}

Result<nlohmann::json> HttpSigner::Call(std::string_view method, std::string_view path,
                                        std::string_view body) {
  std::vector<std::pair<std::string, std::string>> headers = {{"content-type", "application/json"},
                                                              {"accept", "application/json"}};
  if (!token_.empty()) headers.emplace_back("authorization", "Bearer " + token_);
  const auto unavailable = [&](const std::string& why) {
    return Unavailable("signer '" + name_ + "': " + why);
  };
  auto call = UpstreamCall::Start(pool_, target_, method, path, headers, body,
                                  UpstreamTimeouts{kTimeout, kTimeout});
  if (!call.ok()) return unavailable(call.status().message());
  auto text = (*call)->ReadAll(kMaxAnswerBytes);
  if (!text.ok()) return unavailable(text.status().message());
  if ((*call)->status() != 200) {
    return unavailable("answered " + std::to_string((*call)->status()) + " to " +
                       std::string(path));
  }
  JsonLimits limits;
  limits.max_bytes = kMaxAnswerBytes;
  limits.max_depth = 8;
  auto doc = ParseBoundedJson(*text, limits);
  if (!doc.ok() || !doc->is_object()) return unavailable("answered something not a JSON object");
  return std::move(*doc);
}

Result<x402::Address> HttpSigner::GetAddress() {
  {
    std::lock_guard lock(mu_);
    if (address_) return *address_;
  }
  STUB_ASSIGN_OR_RETURN(nlohmann::json doc, Call("GET", "/address", ""));
  const auto it = doc.find("address");
  auto address =
      x402::ParseAddress(it != doc.end() && it->is_string() ? it->get<std::string>() : "");
  if (!address.ok()) return Unavailable("signer '" + name_ + "' answered no address");
  std::lock_guard lock(mu_);
  address_ = *address;
  return *address_;
}

Result<x402::Signature> HttpSigner::Sign(const x402::SignRequest& request) {
  STUB_ASSIGN_OR_RETURN(x402::Address address, GetAddress());
  const nlohmann::json body = {{"address", x402::ToChecksumHex(address)},
                               {"digest", "0x" + ToHex(request.digest)},
                               {"typed_data", request.typed_data}};
  STUB_ASSIGN_OR_RETURN(nlohmann::json doc, Call("POST", "/sign", body.dump()));
  const auto it = doc.find("signature");
  auto sig = x402::ParseSignature(it != doc.end() && it->is_string() ? it->get<std::string>() : "");
  if (!sig.ok()) return Unavailable("signer '" + name_ + "' answered no signature");
  auto who = x402::RecoverSigner(request.digest, *sig);
  if (!who.ok() || *who != address) {
    return Internal("signer '" + name_ + "' answered a signature that is not its address's");
  }
  return *sig;
}

}  // namespace stub
