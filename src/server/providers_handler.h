// PUT /v1/providers/{name}, GET /v1/providers, GET /v1/providers/{name}
// (admin keys): the org's LLM providers for the metering gateway
// (core/provider_config.h, server/llm_gateway.h). The api_key is write-only:
// stored sealed, never answered (answers carry "api_key_set": true).
//
// PUT → 201 when new, 200 when replaced; 409 secret_key_missing when the
// server has no secret key (STUB_SECRET_KEY / --secret-key-file).
//
// Thread-safe; the ProviderService and Authenticator must outlive it.
#pragma once

#include "engine/provider_service.h"
#include "server/api_types.h"
#include "server/auth.h"
#include "server/router.h"

namespace stub {

class ProvidersHandler {
 public:
  ProvidersHandler(ProviderService& providers, const Authenticator& auth)
      : providers_(providers), auth_(auth) {}

  void AddRoutes(Router& router);

  ApiResponse Put(const ApiRequest& request, std::string_view name, const Principal& p);
  ApiResponse List(const Principal& p);
  ApiResponse Get(std::string_view name, const Principal& p);

 private:
  ProviderService& providers_;
  const Authenticator& auth_;
};

}  // namespace stub
