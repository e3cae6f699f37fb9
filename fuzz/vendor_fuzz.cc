// Fuzzes the vendor normaliser (core/vendor). Properties: nothing crashes; a
// normalised vendor is in normal form (IsNormalizedVendor), normalising it
// again changes nothing, it is at most 253 bytes, and it matches itself as a
// pattern.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/vendor.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto vendor = stub::NormalizeVendor(text);
  if (vendor.ok()) {
    STUB_FUZZ_CHECK(vendor->size() <= 253);
    STUB_FUZZ_CHECK(stub::IsNormalizedVendor(*vendor));
    auto again = stub::NormalizeVendor(*vendor);
    STUB_FUZZ_CHECK(again.ok() && *again == *vendor);
    auto pattern = stub::NormalizeVendorPattern(*vendor);
    STUB_FUZZ_CHECK(pattern.ok());
    STUB_FUZZ_CHECK(stub::VendorMatches(*pattern, *vendor));
  }
  (void)stub::NormalizeVendorPattern(text);
  (void)stub::IsNormalizedVendor(text);
  return 0;
}
