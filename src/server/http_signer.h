// An x402 signer that holds no key: a KMS, an HSM or a custody service
// (Coinbase CDP behind a small adapter) holds it, and Stub asks over HTTP.
//
// The protocol, for URL U (`--signer NAME=U`):
//   GET  U/address  → 200 {"address": "0x…"}
//   POST U/sign     {"address": "0x…", "digest": "0x<32 bytes>",
//                    "typed_data": {types, primaryType, domain, message}}
//                   → 200 {"signature": "0x<65 bytes: r, s, v>"}
// `typed_data` is what `digest` is the EIP-712 hash of, for signers that sign
// typed data (eth_signTypedData_v4) or keep an audit trail. When the
// environment variable STUB_SIGNER_TOKEN_<NAME> is set (NAME upper-cased,
// '-' as '_'), each request carries it as `Authorization: Bearer …`.
//
// Stub checks every signature it is given: one that does not recover the
// signer's address is refused (kInternal), never sent. Each request is
// bounded to 10 s and a 64 KiB answer.
//
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "server/upstream_client.h"
#include "x402/signer.h"

namespace stub {

class HttpSigner final : public x402::Signer {
 public:
  // Errors: kInvalidArgument when `url` is not an http(s) URL.
  static Result<std::shared_ptr<HttpSigner>> Make(std::string_view name, std::string_view url,
                                                  UpstreamPool& pool);

  Result<x402::Address> GetAddress() override;
  Result<x402::Signature> Sign(const x402::SignRequest& request) override;

 private:
  HttpSigner(std::string name, UpstreamTarget target, UpstreamPool& pool, std::string token);
  // One bounded request; the answer's JSON object.
  Result<nlohmann::json> Call(std::string_view method, std::string_view path,
                              std::string_view body);

  std::string name_;
  UpstreamTarget target_;
  UpstreamPool& pool_;
  std::string token_;
  std::mutex mu_;
  std::optional<x402::Address> address_;  // guarded by mu_
};

}  // namespace stub
