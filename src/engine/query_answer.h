// The plain-English answer to a query: one sentence with exact amounts and
// the interpreted filters ("Marketing's agents spent $1,234.56 on data APIs
// in October 2026 across 312 spends."), built from the result and the org's
// names. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/money.h"
#include "query/query_catalogue.h"
#include "query/query_plan.h"

namespace stub {

// "$1,234.56" for USD (at least two decimals, every significant micro-unit
// digit kept: "$0.000125"), "1,234.56 EUR" for other currencies. Exact.
std::string FormatMoney(Micros amount, std::string_view currency);

// Requires `result` to be a FinishQuery result of its own spec.
std::string AnswerSentence(const QueryResult& result, const QueryCatalogue& catalogue,
                           std::string_view org_name, std::string_view currency);

}  // namespace stub
