// Fuzzes amount parsing (core/money). Properties: nothing crashes; an accepted
// amount formats to text that parses back to the same micro-units, and a
// positive amount is > 0.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/money.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto any = stub::ParseAmount(text);
  if (any.ok()) {
    auto again = stub::ParseAmount(stub::FormatAmount(*any));
    STUB_FUZZ_CHECK(again.ok());
    STUB_FUZZ_CHECK(*again == *any);
  }
  auto positive = stub::ParsePositiveAmount(text);
  if (positive.ok()) {
    STUB_FUZZ_CHECK(*positive > 0);
    STUB_FUZZ_CHECK(any.ok() && *any == *positive);
  }
  return 0;
}
