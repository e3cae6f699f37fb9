// The OpenAPI 3.1 document of API v1, served at GET /openapi.json.
//
// Its paths are derived from the router's table, so every route the server
// serves appears and nothing else does; each route's request and response
// schemas come from a table here (components/schemas, the error envelope, the
// bearer security scheme). A route without an entry in that table (one whose
// issue has not landed yet) is still listed, with the error envelope as its
// only documented answer. Pure; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "server/json_body.h"

namespace stub {

// `routes`: (method, pattern) pairs as Router::Routes() lists them.
Json OpenApiDocument(const std::vector<std::pair<std::string, std::string>>& routes);

// The (method, pattern) routes the document describes with their own request
// and response schemas (every other route gets the fallback).
std::vector<std::pair<std::string, std::string>> OpenApiDescribedRoutes();

}  // namespace stub
