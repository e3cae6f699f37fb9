// The JSON form of a policy, as API.md's "Safety" section writes it, used by
// the HTTP API, the CLI, the audit trail and the SQL stores' `policy` column:
//
//   {"max_per_spend": "5.00",
//    "windows": [{"amount": "20.00", "seconds": 3600}],
//    "vendors": {"allow": ["api.openai.com"], "block": ["evil.example"]},
//    "categories": {"allow": ["llm"], "block": ["gambling"]},
//    "approval_over": "50.00",
//    "velocity": {"max_spends": 100, "max_amount": "10.00", "seconds": 60}}
//
// Amounts are decimal strings (money.h). Every key is optional; an absent or
// null key is no rule. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "core/policy_value.h"
#include "core/status.h"

namespace stub {

// The policy's JSON (keys without a rule are left out; {} for none).
nlohmann::json PolicyToJson(const Policy& policy);

// Parses and normalises (NormalizePolicy) a policy. Errors: kInvalidArgument
// "invalid_request" for an unknown key or a wrong type, "invalid_amount" for
// a bad amount (a JSON number, too many decimals, zero or negative).
// With `normalize` false the lists are taken as they are (for a policy this
// code stored itself, already normalised: the hot path decodes node rows).
Result<Policy> PolicyFromJson(const nlohmann::json& j, bool normalize = true);

}  // namespace stub
