#include "cli/secret_key_source.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace stub {

Result<std::optional<SecretKey>> ServerSecretKey(std::string_view file) {
  std::string text;
  std::string source;
  if (!file.empty()) {
    std::ifstream in{std::string(file)};
    if (!in) {
      return InvalidArgument("--secret-key-file " + std::string(file) + " cannot be read",
                             "invalid_request");
    }
    std::ostringstream all;
    all << in.rdbuf();
    text = all.str();
    source = "--secret-key-file " + std::string(file);
  } else if (const char* env = std::getenv("STUB_SECRET_KEY"); env != nullptr && *env != '\0') {
    text = env;
    source = "STUB_SECRET_KEY";
  } else {
    return std::optional<SecretKey>();
  }
  auto key = SecretKey::Parse(text);
  if (!key.ok()) {
    return InvalidArgument(source + ": " + key.status().message(), "invalid_request");
  }
  return std::optional<SecretKey>(std::move(*key));
}

}  // namespace stub
