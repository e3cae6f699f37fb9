// The `--limit AMOUNT/PERIOD` flag of the tree commands: "100.00/month",
// "25/day", "1000/total".
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/budget.h"
#include "core/status.h"

namespace stub {

// Parses "AMOUNT/PERIOD" (AMOUNT as ParseAmount; PERIOD one of day, week,
// month, quarter, year, total). Errors: kInvalidArgument with a sentence
// naming the text. Pure.
Result<Limit> ParseLimitFlag(std::string_view text);

// Parses each flag value. Errors: the first value's error.
Result<std::vector<Limit>> ParseLimitFlags(const std::vector<std::string>& texts);

// "100/month" (amount in FormatAmount's canonical form). Pure.
std::string FormatLimit(const Limit& limit);

// A CLI11 validator accepting what ParseLimitFlag accepts (a bad value is a
// usage error, exit 2).
CLI::Validator LimitValidator();

}  // namespace stub
