// Dashboard sessions: what `POST /v1/session` exchanges an API key for.
//
// The browser holds a random session token in an HttpOnly cookie; the store
// holds only hex(SHA-256(token)), like API keys (core/api_key.h), so a copy of
// the database does not reveal a working session. A session acts as the key
// it was made from, for as long as that key is live and the session has not
// expired; the CSRF token is returned to the page (not a credential on its
// own: a request must also carry the cookie).
#pragma once

#include <string>

#include "core/time_util.h"

namespace stub {

struct SessionRow {
  std::string token_hash;  // hex SHA-256 of the cookie's token (64 lowercase hex), unique
  std::string key_id;      // the API key the session acts as
  std::string key_hash;    // that key's hash: re-read on every request (revocation)
  std::string org;
  std::string csrf_token;  // X-CSRF-Token of state-changing requests
  Timestamp created_at = 0;
  Timestamp expires_at = 0;  // the session is dead at and after this time
  bool expired(Timestamp now) const { return now >= expires_at; }
  bool operator==(const SessionRow&) const = default;
};

}  // namespace stub
