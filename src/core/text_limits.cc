#include "core/text_limits.h"

#include <string>

namespace stub {

Status CheckTextField(std::string_view field, std::string_view value, std::size_t max_bytes) {
  if (value.size() > max_bytes) {
    return InvalidRequest("'" + std::string(field) + "' is longer than " +
                          std::to_string(max_bytes) + " bytes");
  }
  if (value.find('\0') != std::string_view::npos) {
    return InvalidRequest("'" + std::string(field) + "' must not contain NUL (U+0000)");
  }
  return Status::Ok();
}

bool IsSlug(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '_'))) return false;
  }
  return true;
}

}  // namespace stub
