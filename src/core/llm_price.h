// What an LLM call costs, exactly, from its provider's price list (the
// metering gateway, issue 21). Prices are money per 1,000,000 tokens, in the
// org's micro-units (so "$0.15 per 1M tokens" is 150000): a token may cost a
// fraction of a micro-unit, and a call's cost is summed in 128 bits and
// rounded up once, to the micro-unit, at the end. Rounding up means a call is
// never booked for less than its price list says, by less than one
// micro-unit.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "core/money.h"
#include "core/status.h"

namespace stub {

// One model's prices per 1,000,000 tokens.
struct ModelPrice {
  Micros input = 0;
  Micros output = 0;
  // Input read from the provider's prompt cache; nullopt: priced as input.
  std::optional<Micros> cached_input;
  // The most output tokens a call may ask for when it does not say
  // (max_tokens); nullopt: the call must say.
  std::optional<std::int64_t> max_output_tokens;
  friend bool operator==(const ModelPrice&, const ModelPrice&) = default;
};

// Tokens of one call, each counted once: `input` excludes `cached_input`.
// (OpenAI reports prompt_tokens including the cached ones; Anthropic reports
// input_tokens excluding cache reads: the gateway normalises both to this.)
struct TokenUsage {
  std::int64_t input = 0;
  std::int64_t cached_input = 0;
  std::int64_t output = 0;
  friend bool operator==(const TokenUsage&, const TokenUsage&) = default;
};

// The cost of `usage` at `price`, rounded up to the micro-unit.
// Requires nothing; errors: kInvalidArgument "invalid_request" for a negative
// count, kOutOfRange "amount_overflow" when the cost is beyond int64.
Result<Micros> CostOf(const ModelPrice& price, const TokenUsage& usage);

// The most a call can cost, to hold before it is forwarded: `input_tokens`
// (an upper estimate of the prompt, all priced as uncached input) and
// `max_output` (the call's max_tokens, else the model's max_output_tokens).
// Errors as CostOf, and kInvalidArgument "invalid_request" when neither
// bounds the output.
Result<Micros> HoldFor(const ModelPrice& price, std::int64_t input_tokens,
                       std::optional<std::int64_t> max_output);

}  // namespace stub
