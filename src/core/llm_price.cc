#include "core/llm_price.h"

namespace stub {
namespace {

constexpr WideMicros kTokensPerPrice = 1'000'000;

}  // namespace

Result<Micros> CostOf(const ModelPrice& price, const TokenUsage& usage) {
  if (usage.input < 0 || usage.cached_input < 0 || usage.output < 0) {
    return InvalidArgument("a token count is negative", "invalid_request");
  }
  if (price.input < 0 || price.output < 0 || price.cached_input.value_or(0) < 0) {
    return InvalidArgument("a price is negative", "invalid_request");
  }
  // Each product is below 2^126 (two int64 factors); three of them fit.
  const WideMicros scaled =
      WideMicros{usage.input} * price.input +
      WideMicros{usage.cached_input} * price.cached_input.value_or(price.input) +
      WideMicros{usage.output} * price.output;
  return NarrowMicros((scaled + kTokensPerPrice - 1) / kTokensPerPrice);
}

Result<Micros> HoldFor(const ModelPrice& price, std::int64_t input_tokens,
                       std::optional<std::int64_t> max_output) {
  if (!max_output) max_output = price.max_output_tokens;
  if (!max_output) {
    return InvalidArgument("the call sets no max_tokens and the model has no max_output_tokens",
                           "invalid_request");
  }
  return CostOf(price, TokenUsage{.input = input_tokens, .output = *max_output});
}

}  // namespace stub
