// GET /v1/spends and GET /v1/spends/{id}: the org's approved spends and
// denials, read through the engine's ReadService (keyset pages, indexed
// look-ups; never the whole history).
//
// List query: agent, team (its whole subtree), vendor, category, user and
// session (exact matches of the spend's attribution), status=approved|denied, from, to (RFC 3339;
// from inclusive, to exclusive), limit (1..1000, default 100), cursor (a previous page's
// next_cursor). Answer: {"items": [...], "next_cursor"?}, newest first; a page may hold fewer than
// `limit` items (a selective filter reads a bounded number of rows per page) and still carry
// next_cursor — only its absence ends the listing. A cursor that is not one of ours → 400
// invalid_request.
//
// Thread-safe; the ReadService must outlive the handler.
#pragma once

#include <string_view>

#include "engine/read_service.h"
#include "server/api_types.h"
#include "server/auth.h"

namespace stub {

class SpendsHandler {
 public:
  explicit SpendsHandler(ReadService& reads) : reads_(reads) {}

  // Roles: admin, finance, approver of an org; an agent key reads only its
  // own agent's items (List: the agent filter is forced to it, another
  // ?agent= is 403 forbidden; Get: another agent's item is 404 not_found).
  ApiResponse List(const ApiRequest& request, const Principal& p);
  ApiResponse Get(std::string_view id, const Principal& p);

 private:
  ReadService& reads_;
};

}  // namespace stub
