#include "cli/root_key_env.h"

#include <cstdlib>
#include <string_view>

#include "cli/exit_codes.h"

namespace stub {

Result<std::optional<std::string>> RootKeyFromEnv() {
  const char* env = std::getenv("STUB_ROOT_KEY");
  if (env == nullptr || *env == '\0') return std::optional<std::string>();
  const std::string_view key(env);
  if (key.size() < kMinRootKeyChars) {
    return UsageError("STUB_ROOT_KEY is " + std::to_string(key.size()) +
                      " characters; a root key needs at least " + std::to_string(kMinRootKeyChars) +
                      " (e.g. `openssl rand -hex 32`), or leave it unset and let `stub init` "
                      "create one");
  }
  return std::optional<std::string>(std::string(key));
}

}  // namespace stub
