#include "cli/key_command.h"

#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/exit_codes.h"
#include "core/api_key.h"
#include "core/time_util.h"
#include "engine/key_service.h"

namespace stub {
namespace {

struct KeyFlags {
  std::string db;
  std::string org;
  std::string role;
  std::string agent;
  std::string name;
  std::string id;
  bool json = false;
};

nlohmann::ordered_json KeyRowJson(const ApiKeyRow& k) {
  nlohmann::ordered_json j;
  j["id"] = k.id;
  j["role"] = std::string(KeyRoleName(k.role));
  j["name"] = k.name;
  if (!k.agent.empty()) j["agent"] = k.agent;
  j["created_at"] = FormatRfc3339(k.created_at);
  j["revoked"] = k.revoked();
  if (k.revoked()) j["revoked_at"] = FormatRfc3339(k.revoked_at);
  return j;
}

int RunKey(std::string_view command, const KeyFlags& flags,
           const std::function<int(KeyService& keys, const std::string& org)>& body) {
  auto store = OpenCommandStore(flags.db);
  if (!store.ok()) return ReportFailure(command, store.status());
  auto org = ResolveOrg(**store, flags.org);
  if (!org.ok()) return ReportFailure(command, org.status());
  static const SystemClock clock;
  KeyService keys(**store, clock);
  return body(keys, *org);
}

int RunCreate(const KeyFlags& flags) {
  constexpr std::string_view kCommand = "key create";
  const auto role = ParseKeyRole(flags.role);
  if (!role || *role == KeyRole::kRoot) {
    return ReportFailure(kCommand, UsageError("--role must be admin, finance, approver or agent"));
  }
  return RunKey(kCommand, flags, [&](KeyService& keys, const std::string& org) {
    auto issued = keys.Create(org, *role, flags.agent, flags.name);
    if (!issued.ok()) return ReportFailure(kCommand, issued.status());
    if (flags.json) {
      nlohmann::ordered_json j;
      j["id"] = issued->row.id;
      j["org"] = org;
      j["role"] = flags.role;
      if (!flags.agent.empty()) j["agent"] = flags.agent;
      j["name"] = flags.name;
      j["key"] = issued->secret;
      std::cout << j.dump() << "\n";
    } else {
      std::cout << "created " << flags.role << " key " << issued->row.id << " of org " << org
                << (flags.agent.empty() ? "" : " for agent " + flags.agent)
                << " (shown once; store it safely):\n  " << issued->secret << "\n";
    }
    return kExitOk;
  });
}

int RunList(const KeyFlags& flags) {
  constexpr std::string_view kCommand = "key list";
  return RunKey(kCommand, flags, [&](KeyService& keys, const std::string& org) {
    auto listed = keys.List(org);
    if (!listed.ok()) return ReportFailure(kCommand, listed.status());
    if (flags.json) {
      nlohmann::ordered_json items = nlohmann::ordered_json::array();
      for (const auto& k : *listed) items.push_back(KeyRowJson(k));
      nlohmann::ordered_json j;
      j["org"] = org;
      j["items"] = std::move(items);
      std::cout << j.dump() << "\n";
      return kExitOk;
    }
    if (listed->empty()) std::cout << "org " << org << " has no keys\n";
    for (const auto& k : *listed) {
      std::cout << k.id << "  " << KeyRoleName(k.role) << (k.agent.empty() ? "" : " " + k.agent)
                << "  " << (k.name.empty() ? "-" : k.name) << "  created "
                << FormatRfc3339(k.created_at)
                << (k.revoked() ? "  revoked " + FormatRfc3339(k.revoked_at) : "") << "\n";
    }
    return kExitOk;
  });
}

int RunRevoke(const KeyFlags& flags) {
  constexpr std::string_view kCommand = "key revoke";
  return RunKey(kCommand, flags, [&](KeyService& keys, const std::string& org) {
    if (Status s = keys.Revoke(org, flags.id); !s.ok()) return ReportFailure(kCommand, s);
    if (flags.json) {
      std::cout << nlohmann::json{{"org", org}, {"id", flags.id}, {"revoked", true}}.dump() << "\n";
    } else {
      std::cout << "revoked key " << flags.id << " of org " << org << "\n";
    }
    return kExitOk;
  });
}

}  // namespace

Command AddKeyCommand(CLI::App& app) {
  auto flags = std::make_shared<KeyFlags>();
  CLI::App* key = app.add_subcommand("key", "an org's API keys (create, list, revoke)");
  key->require_subcommand(1);
  CLI::App* create = key->add_subcommand("create", "create a key; prints its secret once");
  create->add_option("--role", flags->role, "admin, finance, approver or agent")->required();
  create->add_option("--agent", flags->agent, "the agent of an agent key (required for one)");
  create->add_option("--name", flags->name, "a label");
  CLI::App* list = key->add_subcommand("list", "list the org's keys (never their secrets)");
  CLI::App* revoke = key->add_subcommand("revoke", "revoke a key by id");
  revoke->add_option("ID", flags->id, "the key id (key_…)")->required();
  for (CLI::App* sub : {create, list, revoke}) {
    AddOrgOption(*sub, flags->org);
    AddDbOption(*sub, flags->db);
    sub->add_flag("--json", flags->json, "print one JSON object");
  }
  // `key` itself is what main sees as parsed; dispatch on the subcommand.
  return {key, [flags, create, list] {
            if (create->parsed()) return RunCreate(*flags);
            if (list->parsed()) return RunList(*flags);
            return RunRevoke(*flags);
          }};
}

}  // namespace stub
