// The x402 signers this server may pay with, registered when it starts
// (`stub serve --signer NAME=SOURCE`, repeatable). SOURCE is one of:
//   PATH          a file holding a 0x-hex secp256k1 private key; refused if
//                 it is readable by others than its owner and group
//                 (mode & 0004);
//   env:VAR       the environment variable VAR holds the key;
//   https://…     an external signer (server/http_signer.h): a KMS, an HSM or
//   http://…      a custody service holds the key; Stub sends it digests.
// Keys are read once, kept in memory only (x402/local_signer.h), and never
// written to the store, a log or an answer. Wallets (PUT /v1/wallets/{id})
// name a signer; the registry is how a name becomes a key.
//
// Register is called before the server starts; Find is thread-safe after.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "x402/signer.h"

namespace stub {

class UpstreamPool;

class SignerRegistry {
 public:
  // `pool` carries external signers' requests; it must outlive the registry.
  explicit SignerRegistry(UpstreamPool& pool);

  // Registers "NAME=SOURCE" (see above). Errors: kInvalidArgument naming what
  // is wrong (never the key): a malformed spec, a name twice, an unreadable
  // or world-readable file, a missing variable, a key that is not one.
  Status Register(std::string_view spec);

  // Registers a signer made elsewhere (tests). REQUIRES: `name` is new.
  void Add(std::string name, std::shared_ptr<x402::Signer> signer);

  // The signer named `name`, or nullptr.
  std::shared_ptr<x402::Signer> Find(std::string_view name) const;

  bool empty() const { return signers_.empty(); }

 private:
  UpstreamPool& pool_;
  std::map<std::string, std::shared_ptr<x402::Signer>, std::less<>> signers_;
};

}  // namespace stub
