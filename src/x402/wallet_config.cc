#include "x402/wallet_config.h"

#include "core/json_fields.h"
#include "core/text_limits.h"
#include "x402/networks.h"

namespace stub::x402 {
namespace {

using nlohmann::json;

Status Bad(std::string msg) { return InvalidRequest(std::move(msg)); }

// The body's fields, shared by PUT and the stored form (which adds id and
// address).
Status ReadFields(const json& body, WalletConfig& w) {
  const auto signer = body.find("signer");
  if (signer == body.end() || !signer->is_string() || !IsSlug(signer->get<std::string>())) {
    return Bad("'signer' must name a signer registered with --signer (1-64 of a-z, 0-9, _ and -)");
  }
  w.signer = signer->get<std::string>();

  const auto networks = body.find("networks");
  if (networks == body.end() || !networks->is_array() || networks->empty() ||
      networks->size() > kMaxWalletNetworks) {
    return Bad("'networks' must be an array of 1 to " + std::to_string(kMaxWalletNetworks) +
               " networks");
  }
  for (const json& n : *networks) {
    const std::string name = n.is_string() ? n.get<std::string>() : std::string();
    const auto id = EvmChainId(name);
    if (!id) {
      return Bad("'networks' holds '" + name.substr(0, 64) +
                 "', which is not an EVM network (eip155:<chain id> or an x402 network name)");
    }
    w.networks.push_back(name);
    if (std::find(w.terms.chain_ids.begin(), w.terms.chain_ids.end(), *id) ==
        w.terms.chain_ids.end()) {
      w.terms.chain_ids.push_back(*id);
    }
  }

  const auto assets = body.find("assets");
  if (assets == body.end() || !assets->is_object() || assets->empty() ||
      assets->size() > kMaxWalletAssets) {
    return Bad("'assets' must be an object of 1 to " + std::to_string(kMaxWalletAssets) +
               " token addresses");
  }
  for (const auto& [address_text, terms] : assets->items()) {
    auto address = ParseAddress(address_text);
    if (!address.ok()) {
      return Bad("'assets' key '" + address_text.substr(0, 64) + "' is not a token address");
    }
    if (!terms.is_object()) return Bad("'assets." + address_text + "' must be an object");
    STUB_RETURN_IF_ERROR(OnlyKeys(terms, "assets." + address_text, {"decimals", "rate"}));
    const auto decimals = terms.find("decimals");
    if (decimals == terms.end() || !decimals->is_number_integer() ||
        decimals->get<std::int64_t>() < 0 || decimals->get<std::int64_t>() > 36) {
      return Bad("'assets." + address_text + ".decimals' must be an integer from 0 to 36");
    }
    const auto rate_field = terms.find("rate");
    STUB_ASSIGN_OR_RETURN(Micros rate, AmountField(rate_field == terms.end() ? json() : *rate_field,
                                                   "assets." + address_text + ".rate"));
    for (const WalletAsset& a : w.terms.assets) {
      if (a.address == *address) return Bad("'assets' names " + address_text + " twice");
    }
    w.terms.assets.push_back(
        WalletAsset{*address, static_cast<int>(decimals->get<std::int64_t>()), rate});
  }

  if (const auto category = body.find("category"); category != body.end()) {
    if (!category->is_string() || category->get<std::string>().empty()) {
      return Bad("'category' must be a non-empty string");
    }
    STUB_RETURN_IF_ERROR(
        CheckTextField("category", category->get<std::string>(), kMaxCategoryTextBytes));
    w.category = category->get<std::string>();
  }
  return Status::Ok();
}

}  // namespace

Result<WalletConfig> WalletFromJson(std::string_view id, const json& body) {
  if (!IsSlug(id))
    return Bad("a wallet id is 1-64 of a-z, 0-9, _ and -, starting with a letter or digit");
  if (!body.is_object()) return Bad("the body must be a JSON object");
  STUB_RETURN_IF_ERROR(OnlyKeys(body, "the wallet", {"signer", "networks", "assets", "category"}));
  WalletConfig w;
  w.id = std::string(id);
  STUB_RETURN_IF_ERROR(ReadFields(body, w));
  return w;
}

json WalletToJson(const WalletConfig& wallet) {
  json assets = json::object();
  for (const WalletAsset& a : wallet.terms.assets) {
    assets[ToChecksumHex(a.address)] = {{"decimals", a.decimals}, {"rate", FormatAmount(a.rate)}};
  }
  return {{"id", wallet.id},
          {"signer", wallet.signer},
          {"address", ToChecksumHex(wallet.address)},
          {"networks", wallet.networks},
          {"assets", std::move(assets)},
          {"category", wallet.category}};
}

Result<WalletConfig> WalletFromStored(std::string_view id, std::string_view text) {
  const json stored = json::parse(text, nullptr, false);
  const auto corrupt = [&] {
    return Internal("wallet '" + std::string(id) + "' is stored corrupt");
  };
  if (!stored.is_object()) return corrupt();
  json body = stored;
  body.erase("id");
  body.erase("address");
  WalletConfig w;
  w.id = std::string(id);
  if (!ReadFields(body, w).ok()) return corrupt();
  const auto address = stored.find("address");
  if (address == stored.end() || !address->is_string()) return corrupt();
  auto parsed = ParseAddress(address->get<std::string>());
  if (!parsed.ok()) return corrupt();
  w.address = *parsed;
  return w;
}

}  // namespace stub::x402
