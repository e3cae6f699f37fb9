#include "server/wallets_handler.h"

#include <string>

#include "server/api.h"
#include "server/api_error.h"
#include "server/authed_route.h"
#include "server/json_body.h"
#include "x402/wallet_config.h"

namespace stub {
namespace {

Result<Json> Shown(const WalletRow& row) {
  STUB_ASSIGN_OR_RETURN(x402::WalletConfig w, x402::WalletFromStored(row.id, row.config));
  return x402::WalletToJson(w);
}

}  // namespace

void WalletsHandler::AddRoutes(Router& router) {
  router.Add("GET", "/v1/wallets",
             Authed(auth_, [this](const ApiRequest&, const PathParams&, const Principal& p) {
               return List(p);
             }));
  router.Add("GET", "/v1/wallets/{id}",
             Authed(auth_, [this](const ApiRequest&, const PathParams& params, const Principal& p) {
               return Get(params.at("id"), p);
             }));
  router.Add(
      "PUT", "/v1/wallets/{id}",
      Authed(auth_, [this](const ApiRequest& request, const PathParams& params,
                           const Principal& p) { return Put(request, params.at("id"), p); }));
}

ApiResponse WalletsHandler::Put(const ApiRequest& request, std::string_view id,
                                const Principal& p) {
  if (Status s = RequireOrgAdmin(p); !s.ok()) return ErrorResponse(s);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  auto wallet = x402::WalletFromJson(id, *body);
  if (!wallet.ok()) return ErrorResponse(wallet.status());
  auto signer = signers_.Find(wallet->signer);
  if (!signer) {
    return ErrorResponse(FailedPrecondition(
        "no signer '" + wallet->signer + "' is registered: start the server with --signer " +
            wallet->signer + "=KEYFILE (or =https://… for an external signer)",
        "x402_signer_missing"));
  }
  auto address = signer->GetAddress();
  if (!address.ok()) return ErrorResponse(address.status());
  wallet->address = *address;
  const Json shown = x402::WalletToJson(*wallet);
  auto created = engine_.PutWallet(
      WalletRow{.org = p.org, .id = wallet->id, .config = shown.dump(), .updated_at = 0}, p.key_id);
  if (!created.ok()) return ErrorResponse(created.status());
  return JsonResponse(*created ? 201 : 200, shown);
}

ApiResponse WalletsHandler::List(const Principal& p) {
  if (Status s = RequireOrgAdmin(p); !s.ok()) return ErrorResponse(s);
  auto rows = engine_.ListWallets(p.org);
  if (!rows.ok()) return ErrorResponse(rows.status());
  Json items = Json::array();
  for (const WalletRow& row : *rows) {
    auto shown = Shown(row);
    if (!shown.ok()) return ErrorResponse(shown.status());
    items.push_back(std::move(*shown));
  }
  return JsonResponse(200, {{"items", std::move(items)}});
}

ApiResponse WalletsHandler::Get(std::string_view id, const Principal& p) {
  if (Status s = RequireOrgAdmin(p); !s.ok()) return ErrorResponse(s);
  auto row = engine_.GetWallet(p.org, id);
  if (!row.ok()) return ErrorResponse(row.status());
  if (!*row) return ErrorResponse(NotFound("no wallet '" + std::string(id) + "'", "not_found"));
  auto shown = Shown(**row);
  if (!shown.ok()) return ErrorResponse(shown.status());
  return JsonResponse(200, *shown);
}

}  // namespace stub
