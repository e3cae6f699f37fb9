// PUT /v1/wallets/{id}, GET /v1/wallets, GET /v1/wallets/{id} (admin keys):
// the org's x402 wallets (x402/wallet_config.h). A wallet names a signer
// registered when the server started (server/signer_registry.h); the
// answer carries the address derived from it. No key is ever stored.
//
// PUT → 201 when new, 200 when replaced; 409 x402_signer_missing when no
// signer of that name is registered; 503 when an external signer cannot be
// reached for its address.
//
// Thread-safe; every reference must outlive it.
#pragma once

#include "engine/engine.h"
#include "server/api_types.h"
#include "server/auth.h"
#include "server/router.h"
#include "server/signer_registry.h"

namespace stub {

class WalletsHandler {
 public:
  WalletsHandler(Engine& engine, const SignerRegistry& signers, const Authenticator& auth)
      : engine_(engine), signers_(signers), auth_(auth) {}

  void AddRoutes(Router& router);

  ApiResponse Put(const ApiRequest& request, std::string_view id, const Principal& p);
  ApiResponse List(const Principal& p);
  ApiResponse Get(std::string_view id, const Principal& p);

 private:
  Engine& engine_;
  const SignerRegistry& signers_;
  const Authenticator& auth_;
};

}  // namespace stub
