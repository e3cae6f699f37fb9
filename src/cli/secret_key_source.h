// Where `stub serve` finds the server's secret key, which seals LLM
// providers' API keys at rest (core/secret_box.h): --secret-key-file, else
// $STUB_SECRET_KEY, else none (providers then cannot be stored).
#pragma once

#include <optional>
#include <string_view>

#include "core/secret_box.h"
#include "core/status.h"

namespace stub {

// The key from `file` when it is not empty (an unreadable file is an error),
// else from $STUB_SECRET_KEY when set and not empty, else nullopt. Errors:
// kInvalidArgument (usage: exit 2) naming the source and what is wrong with
// it, never quoting the key.
Result<std::optional<SecretKey>> ServerSecretKey(std::string_view file);

}  // namespace stub
