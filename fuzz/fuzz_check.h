// The fuzz targets' one assertion: a property that fails aborts with a
// message (libFuzzer then keeps the input as a crash). Never compiled out.
#pragma once

#include <cstdio>
#include <cstdlib>

#define STUB_FUZZ_CHECK(cond)                                                       \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)
