#include "x402/eip3009.h"

#include <nlohmann/json.hpp>

#include "core/sha256.h"

namespace stub::x402 {
namespace {

using Word = std::array<std::uint8_t, 32>;

Word UintWord(Uint128 v) {
  Word w{};
  for (std::size_t i = 0; i < 16; ++i) {
    w[31 - i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
  return w;
}

Word AddressWord(const Address& a) {
  Word w{};
  std::copy(a.bytes.begin(), a.bytes.end(), w.begin() + 12);
  return w;
}

std::string_view View(const std::array<std::uint8_t, 32>& w) {
  return {reinterpret_cast<const char*>(w.data()), w.size()};
}

// The concatenation of 32-byte words, as EIP-712's encodeData lays them out.
class Encoder {
 public:
  Encoder& Add(const std::array<std::uint8_t, 32>& w) {
    out_.append(View(w));
    return *this;
  }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

constexpr std::string_view kDomainType =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
constexpr std::string_view kTransferType =
    "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,"
    "uint256 validBefore,bytes32 nonce)";

}  // namespace

Hash32 DomainSeparator(const Eip712Domain& domain) {
  Encoder e;
  e.Add(Keccak256(kDomainType))
      .Add(Keccak256(domain.name))
      .Add(Keccak256(domain.version))
      .Add(UintWord(domain.chain_id))
      .Add(AddressWord(domain.verifying_contract));
  return Keccak256(e.bytes());
}

Hash32 TransferAuthorizationStructHash(const TransferAuthorization& auth) {
  Encoder e;
  e.Add(Keccak256(kTransferType))
      .Add(AddressWord(auth.from))
      .Add(AddressWord(auth.to))
      .Add(UintWord(auth.value))
      .Add(UintWord(auth.valid_after))
      .Add(UintWord(auth.valid_before))
      .Add(auth.nonce);
  return Keccak256(e.bytes());
}

Hash32 TransferAuthorizationDigest(const Eip712Domain& domain, const TransferAuthorization& auth) {
  std::string m = "\x19\x01";
  m.append(View(DomainSeparator(domain)));
  m.append(View(TransferAuthorizationStructHash(auth)));
  return Keccak256(m);
}

nlohmann::json TransferAuthorizationTypedData(const Eip712Domain& domain,
                                              const TransferAuthorization& auth) {
  using nlohmann::json;
  const auto field = [](const char* name, const char* type) {
    return json{{"name", name}, {"type", type}};
  };
  return json{{"types",
               {{"EIP712Domain",
                 json::array({field("name", "string"), field("version", "string"),
                              field("chainId", "uint256"), field("verifyingContract", "address")})},
                {"TransferWithAuthorization",
                 json::array({field("from", "address"), field("to", "address"),
                              field("value", "uint256"), field("validAfter", "uint256"),
                              field("validBefore", "uint256"), field("nonce", "bytes32")})}}},
              {"primaryType", "TransferWithAuthorization"},
              {"domain",
               {{"name", domain.name},
                {"version", domain.version},
                {"chainId", domain.chain_id},
                {"verifyingContract", ToChecksumHex(domain.verifying_contract)}}},
              {"message",
               {{"from", ToChecksumHex(auth.from)},
                {"to", ToChecksumHex(auth.to)},
                {"value", Uint128ToDecimal(auth.value)},
                {"validAfter", std::to_string(auth.valid_after)},
                {"validBefore", std::to_string(auth.valid_before)},
                {"nonce", "0x" + ToHex(View(auth.nonce))}}}};
}

std::string Uint128ToDecimal(Uint128 v) {
  if (v == 0) return "0";
  std::string digits;
  while (v > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return digits;
}

bool ParseUint128(std::string_view text, Uint128& out) {
  if (text.empty() || text.size() > 39) return false;
  Uint128 v = 0;
  constexpr Uint128 kMax = ~Uint128{0};
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<unsigned>(c - '0');
    if (v > (kMax - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

}  // namespace stub::x402
