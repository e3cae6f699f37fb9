// Base64 (RFC 4648) of arbitrary bytes. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace stub {

// Standard alphabet, padded. REQUIRES: bytes.size() < 1 GiB.
std::string EncodeBase64(std::string_view bytes);

// Decodes standard or URL-safe base64, padded or not. False (and `out`
// unspecified) when `text` holds anything else, including whitespace.
bool DecodeBase64(std::string_view text, std::string& out);

}  // namespace stub
