#include "mcp/stub_api.h"

namespace stub::mcp {
namespace {

void AppendEncoded(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
}

}  // namespace

std::string ApiTarget(const ApiCall& call) {
  std::string out = call.path;
  char sep = '?';
  for (const auto& [name, value] : call.query) {
    out.push_back(sep);
    sep = '&';
    AppendEncoded(out, name);
    out.push_back('=');
    AppendEncoded(out, value);
  }
  return out;
}

}  // namespace stub::mcp
