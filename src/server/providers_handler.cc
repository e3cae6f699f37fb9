#include "server/providers_handler.h"

#include <string>

#include "server/api.h"
#include "server/api_error.h"
#include "server/authed_route.h"
#include "server/json_body.h"

namespace stub {
namespace {

Json ProviderAnswer(const ProviderConfig& c) {
  Json j = ProviderToJson(c);
  j["api_key_set"] = true;
  return j;
}

}  // namespace

void ProvidersHandler::AddRoutes(Router& router) {
  router.Add("GET", "/v1/providers",
             Authed(auth_, [this](const ApiRequest&, const PathParams&, const Principal& p) {
               return List(p);
             }));
  router.Add("GET", "/v1/providers/{name}",
             Authed(auth_, [this](const ApiRequest&, const PathParams& params, const Principal& p) {
               return Get(params.at("name"), p);
             }));
  router.Add(
      "PUT", "/v1/providers/{name}",
      Authed(auth_, [this](const ApiRequest& request, const PathParams& params,
                           const Principal& p) { return Put(request, params.at("name"), p); }));
}

ApiResponse ProvidersHandler::Put(const ApiRequest& request, std::string_view name,
                                  const Principal& p) {
  if (Status s = RequireOrgAdmin(p); !s.ok()) return ErrorResponse(s);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  auto config = ProviderFromJson(name, *body);
  if (!config.ok()) return ErrorResponse(config.status());
  auto created = providers_.Put(p.org, *config, p.key_id);
  if (!created.ok()) return ErrorResponse(created.status());
  return JsonResponse(*created ? 201 : 200, ProviderAnswer(*config));
}

ApiResponse ProvidersHandler::List(const Principal& p) {
  if (Status s = RequireOrgAdmin(p); !s.ok()) return ErrorResponse(s);
  auto all = providers_.List(p.org);
  if (!all.ok()) return ErrorResponse(all.status());
  Json items = Json::array();
  for (const ProviderConfig& c : *all) items.push_back(ProviderAnswer(c));
  return JsonResponse(200, {{"items", std::move(items)}});
}

ApiResponse ProvidersHandler::Get(std::string_view name, const Principal& p) {
  if (Status s = RequireOrgAdmin(p); !s.ok()) return ErrorResponse(s);
  auto all = providers_.List(p.org);
  if (!all.ok()) return ErrorResponse(all.status());
  for (const ProviderConfig& c : *all) {
    if (c.name == name) return JsonResponse(200, ProviderAnswer(c));
  }
  return ErrorResponse(NotFound("no provider '" + std::string(name) + "'", "not_found"));
}

}  // namespace stub
