// A refused request, recorded so denials are queryable and countable.
// Recording one touches no hot row: denials never contend with spends.
#pragma once

#include <string>

#include "core/decision.h"
#include "core/money.h"
#include "core/time_util.h"

namespace stub {

struct DenialRecord {
  std::string org;
  std::string id;
  std::string request_kind;  // "spend" | "hold"
  std::string agent;
  Micros amount = 0;
  std::string vendor;
  std::string category;
  std::string session;
  std::string user;
  std::string intent;
  std::string idempotency_key;
  Denial denial;
  Timestamp created_at = 0;
  bool operator==(const DenialRecord&) const = default;
};

}  // namespace stub
