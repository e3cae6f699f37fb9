#include "cli/limit_flag.h"

#include "core/money.h"
#include "core/period.h"

namespace stub {

Result<Limit> ParseLimitFlag(std::string_view text) {
  const std::size_t slash = text.find('/');
  const auto bad = [&] {
    return InvalidArgument("'" + std::string(text) +
                               "' is not a limit: expected AMOUNT/PERIOD, e.g. 100.00/month "
                               "(periods: day, week, month, quarter, year, total)",
                           "invalid_request");
  };
  if (slash == std::string_view::npos) return bad();
  auto amount = ParseAmount(text.substr(0, slash));
  auto period = ParsePeriod(text.substr(slash + 1));
  if (!amount.ok() || !period) return bad();
  return Limit{*amount, *period};
}

Result<std::vector<Limit>> ParseLimitFlags(const std::vector<std::string>& texts) {
  std::vector<Limit> limits;
  limits.reserve(texts.size());
  for (const std::string& text : texts) {
    STUB_ASSIGN_OR_RETURN(Limit limit, ParseLimitFlag(text));
    limits.push_back(limit);
  }
  return limits;
}

std::string FormatLimit(const Limit& limit) {
  return FormatAmount(limit.amount) + "/" + std::string(PeriodName(limit.period));
}

CLI::Validator LimitValidator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        auto parsed = ParseLimitFlag(value);
        return parsed.ok() ? std::string() : parsed.status().message();
      },
      "AMOUNT/PERIOD", "limit");
}

}  // namespace stub
