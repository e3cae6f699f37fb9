#include "core/provider_config.h"

#include <string>

#include "core/json_fields.h"
#include "core/text_limits.h"
#include "core/vendor.h"

namespace stub {
namespace {

using Json = nlohmann::json;

Result<std::string> BaseUrl(const Json& j) {
  if (!j.is_string()) return InvalidRequest("base_url must be a string");
  std::string url = j.get<std::string>();
  STUB_RETURN_IF_ERROR(CheckTextField("base_url", url, kMaxBaseUrlBytes));
  const std::string_view v = url;
  const std::size_t scheme = v.starts_with("https://") ? 8 : v.starts_with("http://") ? 7 : 0;
  if (scheme == 0) return InvalidRequest("base_url must start with http:// or https://");
  const std::string_view rest = v.substr(scheme);
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      v.find_first_of("?#") != std::string_view::npos) {
    return InvalidRequest(
        "base_url must be http(s)://host[:port][/path], with no user, query "
        "or fragment");
  }
  for (char c : v) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return InvalidRequest("base_url holds a space, a control or a non-ASCII character");
    }
  }
  while (url.size() > scheme + authority.size() && url.back() == '/') url.pop_back();
  return url;
}

Result<ModelPrice> Price(const Json& j, const std::string& model) {
  const std::string at = "models." + model.substr(0, 64);
  STUB_RETURN_IF_ERROR(OnlyKeys(j, at, {"input", "output", "cached_input", "max_output_tokens"}));
  if (!j.contains("input") || !j.contains("output")) {
    return InvalidRequest(at + " needs input and output prices (per 1M tokens)");
  }
  ModelPrice price;
  STUB_ASSIGN_OR_RETURN(price.input, AmountField(j.at("input"), at + ".input", true));
  STUB_ASSIGN_OR_RETURN(price.output, AmountField(j.at("output"), at + ".output", true));
  if (j.contains("cached_input") && !j.at("cached_input").is_null()) {
    STUB_ASSIGN_OR_RETURN(price.cached_input,
                          AmountField(j.at("cached_input"), at + ".cached_input", true));
  }
  if (j.contains("max_output_tokens") && !j.at("max_output_tokens").is_null()) {
    STUB_ASSIGN_OR_RETURN(const std::int64_t n,
                          IntegerField(j.at("max_output_tokens"), at + ".max_output_tokens"));
    if (n <= 0) return InvalidRequest(at + ".max_output_tokens must be positive");
    price.max_output_tokens = n;
  }
  return price;
}

}  // namespace

std::string_view ProviderKindName(ProviderKind kind) {
  return kind == ProviderKind::kAnthropic ? "anthropic" : "openai";
}

bool IsProviderName(std::string_view name) { return IsSlug(name); }

Result<ProviderConfig> ProviderFromJson(std::string_view name, const Json& body) {
  if (!IsProviderName(name)) {
    return InvalidRequest(
        "a provider name is 1-64 of a-z, 0-9, '-' and '_', starting with a "
        "letter or digit");
  }
  STUB_RETURN_IF_ERROR(
      OnlyKeys(body, "provider", {"kind", "base_url", "api_key", "models", "default_category"}));
  for (const char* field : {"kind", "base_url", "api_key", "models"}) {
    if (!body.contains(field)) return InvalidRequest(std::string("provider needs ") + field);
  }
  ProviderConfig p;
  p.name = std::string(name);
  const Json& kind = body.at("kind");
  if (kind == "openai") {
    p.kind = ProviderKind::kOpenAi;
  } else if (kind == "anthropic") {
    p.kind = ProviderKind::kAnthropic;
  } else {
    return InvalidRequest("kind must be \"openai\" or \"anthropic\"");
  }
  STUB_ASSIGN_OR_RETURN(p.base_url, BaseUrl(body.at("base_url")));
  STUB_ASSIGN_OR_RETURN(p.vendor, NormalizeVendor(p.base_url));
  const Json& key = body.at("api_key");
  if (!key.is_string() || key.get_ref<const std::string&>().empty()) {
    return InvalidRequest("api_key must be a non-empty string");
  }
  p.api_key = key.get<std::string>();
  STUB_RETURN_IF_ERROR(CheckTextField("api_key", p.api_key, kMaxProviderApiKeyBytes));
  const Json& models = body.at("models");
  if (!models.is_object() || models.empty()) {
    return InvalidRequest("models must be an object naming at least one model and its prices");
  }
  if (models.size() > kMaxProviderModels) return InvalidRequest("models has too many entries");
  for (const auto& [model, price] : models.items()) {
    STUB_RETURN_IF_ERROR(CheckTextField("model name", model, kMaxIdTextBytes * 2));
    if (model.empty()) return InvalidRequest("a model name is empty");
    STUB_ASSIGN_OR_RETURN(ModelPrice parsed, Price(price, model));
    p.models.emplace(model, parsed);
  }
  if (body.contains("default_category") && !body.at("default_category").is_null()) {
    const Json& c = body.at("default_category");
    if (!c.is_string() || c.get_ref<const std::string&>().empty()) {
      return InvalidRequest("default_category must be a non-empty string");
    }
    p.default_category = c.get<std::string>();
    STUB_RETURN_IF_ERROR(
        CheckTextField("default_category", p.default_category, kMaxCategoryTextBytes));
  }
  return p;
}

Json ProviderSettingsJson(const ProviderConfig& p) {
  Json models = Json::object();
  for (const auto& [model, price] : p.models) {
    Json m = {{"input", FormatAmount(price.input)}, {"output", FormatAmount(price.output)}};
    if (price.cached_input) m["cached_input"] = FormatAmount(*price.cached_input);
    if (price.max_output_tokens) m["max_output_tokens"] = *price.max_output_tokens;
    models[model] = std::move(m);
  }
  return Json{{"kind", ProviderKindName(p.kind)},
              {"base_url", p.base_url},
              {"models", std::move(models)},
              {"default_category", p.default_category}};
}

Json ProviderToJson(const ProviderConfig& p) {
  Json j = ProviderSettingsJson(p);
  j["name"] = p.name;
  j["vendor"] = p.vendor;
  return j;
}

std::string ProviderKeyContext(std::string_view org, std::string_view name) {
  return "provider:" + std::string(org) + "/" + std::string(name);
}

}  // namespace stub
