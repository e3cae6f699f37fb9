// The operator's root key from the environment ($STUB_ROOT_KEY), checked:
// a root key opens every org, so one shorter than kMinRootKeyChars (easy to
// guess or brute-force) is refused at start rather than served with.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "core/status.h"

namespace stub {

inline constexpr std::size_t kMinRootKeyChars = 32;

// nullopt when STUB_ROOT_KEY is unset or empty; the key when it has at least
// kMinRootKeyChars characters; else a usage error (exit 2) saying so, which
// never quotes the key.
Result<std::optional<std::string>> RootKeyFromEnv();

}  // namespace stub
