// Domain objects as the API's JSON (field names as in API.md). Amounts are
// decimal strings, times RFC 3339 UTC. Pure; thread-safe.
#pragma once

#include "core/api_key.h"
#include "core/budget.h"
#include "core/denial_record.h"
#include "core/hold.h"
#include "core/journal.h"
#include "core/org.h"
#include "core/outcome.h"
#include "core/verify.h"
#include "engine/budget_view.h"
#include "server/json_body.h"

namespace stub {

Json LimitsJson(const std::vector<Limit>& limits);
Json NodeJson(const Node& node);
Json OrgJson(const OrgRow& org);
Json KeyJson(const ApiKeyRow& key);  // never the secret (it is not stored)
// The tree (with children) or one node; `with_effective` adds
// effective_remaining and binding.
Json BudgetJson(const BudgetNodeView& view, bool with_effective);
// A spend/hold/capture answer: approved, denied, or held.
Json OutcomeJson(const Outcome& outcome);
// DumpJson(OutcomeJson(outcome)), byte for byte, written directly for the
// common case (an approved or held outcome whose text needs no escaping) —
// the body of every approved spend, so it skips building a JSON tree.
std::string OutcomeBody(const Outcome& outcome);
// What a denial's rule allowed and what was used ("limit"/"used" as amounts,
// or "limit_spends"/"used_spends" for a velocity count), and
// "window_seconds" for a window or velocity rule.
void AddDenialDetails(Json& j, const Denial& denial);
// A hold as GET /v1/holds/{id} shows it, its status decided at `now` (a due
// hold is "expired" even before the sweeper records it).
Json HoldJson(const Hold& hold, Timestamp now);
Json EntryJson(const Entry& entry);
Json VerifyJson(const VerifyReport& report);
// One item of GET /v1/spends: an approved spend (a spend or capture entry)
// or a denial.
Json SpendItemJson(const Entry& entry, bool with_receipt);
Json DenialItemJson(const DenialRecord& denial);

}  // namespace stub
