#include "core/policy_json.h"

#include <initializer_list>
#include <string>
#include <string_view>

#include "core/json_fields.h"
#include "core/money.h"
#include "core/policy.h"

namespace stub {
namespace {

using Json = nlohmann::json;

Status Rules(const Json& j, std::string_view what, NameRules& out) {
  if (j.is_null()) return Status::Ok();
  STUB_RETURN_IF_ERROR(OnlyKeys(j, what, {"allow", "block"}));
  for (auto [key, list] : {std::pair<const char*, std::vector<std::string>*>{"allow", &out.allow},
                           {"block", &out.block}}) {
    if (!j.contains(key) || j.at(key).is_null()) continue;
    const Json& a = j.at(key);
    if (!a.is_array()) return InvalidRequest(std::string(what) + "." + key + " must be an array");
    if (a.size() > kMaxPolicyListEntries) {
      return InvalidRequest(std::string(what) + "." + key + " has too many entries");
    }
    for (const Json& e : a) {
      if (!e.is_string()) return InvalidRequest(std::string(what) + "." + key + " holds strings");
      list->push_back(e.get<std::string>());
    }
  }
  return Status::Ok();
}

Json RulesJson(const NameRules& r) {
  Json j = Json::object();
  if (!r.allow.empty()) j["allow"] = r.allow;
  if (!r.block.empty()) j["block"] = r.block;
  return j;
}

}  // namespace

Json PolicyToJson(const Policy& p) {
  Json j = Json::object();
  if (p.max_per_spend) j["max_per_spend"] = FormatAmount(*p.max_per_spend);
  if (!p.windows.empty()) {
    Json w = Json::array();
    for (const RollingWindow& win : p.windows) {
      w.push_back({{"amount", FormatAmount(win.amount)}, {"seconds", win.seconds}});
    }
    j["windows"] = std::move(w);
  }
  if (!p.vendors.allow.empty() || !p.vendors.block.empty()) j["vendors"] = RulesJson(p.vendors);
  if (!p.categories.allow.empty() || !p.categories.block.empty()) {
    j["categories"] = RulesJson(p.categories);
  }
  if (p.approval_over) j["approval_over"] = FormatAmount(*p.approval_over);
  if (p.velocity) {
    Json v = {{"seconds", p.velocity->seconds}};
    if (p.velocity->max_spends > 0) v["max_spends"] = p.velocity->max_spends;
    if (p.velocity->max_amount > 0) v["max_amount"] = FormatAmount(p.velocity->max_amount);
    j["velocity"] = std::move(v);
  }
  return j;
}

Result<Policy> PolicyFromJson(const Json& j, bool normalize) {
  STUB_RETURN_IF_ERROR(
      OnlyKeys(j, "policy",
               {"max_per_spend", "windows", "vendors", "categories", "approval_over", "velocity"}));
  Policy p;
  auto field = [&](const char* key) -> const Json* {
    auto it = j.find(key);
    return it == j.end() || it->is_null() ? nullptr : &*it;
  };
  if (const Json* v = field("max_per_spend")) {
    STUB_ASSIGN_OR_RETURN(p.max_per_spend, AmountField(*v, "max_per_spend"));
  }
  if (const Json* v = field("approval_over")) {
    STUB_ASSIGN_OR_RETURN(p.approval_over, AmountField(*v, "approval_over"));
  }
  if (const Json* v = field("windows")) {
    if (!v->is_array()) return InvalidRequest("windows must be an array");
    if (v->size() > kMaxPolicyWindows) {
      return InvalidRequest("at most " + std::to_string(kMaxPolicyWindows) + " windows");
    }
    for (const Json& w : *v) {
      STUB_RETURN_IF_ERROR(OnlyKeys(w, "windows[]", {"amount", "seconds"}));
      if (!w.contains("amount") || !w.contains("seconds")) {
        return InvalidRequest("each window needs amount and seconds");
      }
      RollingWindow win;
      STUB_ASSIGN_OR_RETURN(win.amount, AmountField(w.at("amount"), "windows[].amount"));
      STUB_ASSIGN_OR_RETURN(win.seconds, IntegerField(w.at("seconds"), "windows[].seconds"));
      p.windows.push_back(win);
    }
  }
  if (const Json* v = field("vendors")) STUB_RETURN_IF_ERROR(Rules(*v, "vendors", p.vendors));
  if (const Json* v = field("categories")) {
    STUB_RETURN_IF_ERROR(Rules(*v, "categories", p.categories));
  }
  if (const Json* v = field("velocity")) {
    STUB_RETURN_IF_ERROR(OnlyKeys(*v, "velocity", {"max_spends", "max_amount", "seconds"}));
    Velocity vel;
    if (!v->contains("seconds")) return InvalidRequest("velocity needs seconds");
    STUB_ASSIGN_OR_RETURN(vel.seconds, IntegerField(v->at("seconds"), "velocity.seconds"));
    if (v->contains("max_spends") && !v->at("max_spends").is_null()) {
      STUB_ASSIGN_OR_RETURN(vel.max_spends,
                            IntegerField(v->at("max_spends"), "velocity.max_spends"));
      if (vel.max_spends <= 0) return InvalidRequest("velocity.max_spends must be positive");
    }
    if (v->contains("max_amount") && !v->at("max_amount").is_null()) {
      STUB_ASSIGN_OR_RETURN(vel.max_amount,
                            AmountField(v->at("max_amount"), "velocity.max_amount"));
    }
    p.velocity = vel;
  }
  if (normalize) STUB_RETURN_IF_ERROR(NormalizePolicy(p));
  return p;
}

}  // namespace stub
