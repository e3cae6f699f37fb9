// core/llm_price.h: exact costs of LLM calls from per-1M-token prices.
#include "core/llm_price.h"

#include <gtest/gtest.h>

#include <limits>

namespace stub {
namespace {

// gpt-4o-like prices: $2.50 in, $1.25 cached in, $10 out per 1M tokens.
const ModelPrice kPrice{.input = 2'500'000, .output = 10'000'000, .cached_input = 1'250'000};

TEST(LlmPrice, CostIsExactWhenTokensMakeWholeMicros) {
  // 1,000 in, 200 cached, 500 out: 2,500 + 250 + 5,000 micros.
  EXPECT_EQ(CostOf(kPrice, {.input = 1000, .cached_input = 200, .output = 500}).value(), 7'750);
  EXPECT_EQ(CostOf(kPrice, {}).value(), 0);
}

TEST(LlmPrice, AFractionOfAMicroIsRoundedUpOnceForTheWholeCall) {
  // $0.15 per 1M: 0.15 micros a token. 10 tokens = 1.5 micros -> 2.
  const ModelPrice mini{.input = 150'000, .output = 600'000};
  EXPECT_EQ(CostOf(mini, {.input = 10}).value(), 2);
  // Summed before rounding: 3 in (0.45) + 1 out (0.6) = 1.05 -> 2, not 1 + 1.
  EXPECT_EQ(CostOf(mini, {.input = 3, .output = 1}).value(), 2);
  EXPECT_EQ(CostOf(mini, {.input = 1'000'000}).value(), 150'000);
}

TEST(LlmPrice, CachedInputWithoutItsOwnPriceIsPricedAsInput) {
  const ModelPrice no_cache{.input = 3'000'000, .output = 15'000'000};
  EXPECT_EQ(CostOf(no_cache, {.input = 100, .cached_input = 100}).value(), 600);
}

TEST(LlmPrice, NegativeCountsAndOverflowAreRefused) {
  EXPECT_EQ(CostOf(kPrice, {.input = -1}).status().reason(), "invalid_request");
  const std::int64_t huge = std::numeric_limits<std::int64_t>::max();
  const ModelPrice dear{.input = huge, .output = huge};
  EXPECT_EQ(CostOf(dear, {.input = huge, .output = huge}).status().reason(), "amount_overflow");
}

TEST(LlmPrice, HoldBoundsOutputByTheCallElseTheModel) {
  ModelPrice p = kPrice;
  EXPECT_EQ(HoldFor(p, 1000, 100).value(), 2'500 + 1'000);
  EXPECT_EQ(HoldFor(p, 1000, std::nullopt).status().reason(), "invalid_request");
  p.max_output_tokens = 4096;
  EXPECT_EQ(HoldFor(p, 1000, std::nullopt).value(), 2'500 + 40'960);
  EXPECT_EQ(HoldFor(p, 1000, 10).value(), 2'500 + 100);  // the call's own bound wins
}

}  // namespace
}  // namespace stub
