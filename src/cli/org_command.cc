#include "cli/org_command.h"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/exit_codes.h"

namespace stub {
namespace {

struct OrgFlags {
  std::string db;
  std::string id;
  std::string name;
  std::string currency = "USD";
  bool json = false;
};

int RunOrgCreate(const OrgFlags& flags) {
  constexpr std::string_view kCommand = "org create";
  auto store = OpenCommandStore(flags.db);
  if (!store.ok()) return ReportFailure(kCommand, store.status());
  static const SystemClock clock;
  Engine engine(**store, clock);
  auto org = engine.CreateOrg(flags.id, flags.name, flags.currency);
  if (!org.ok()) return ReportFailure(kCommand, org.status());
  if (flags.json) {
    const nlohmann::json j = {{"id", org->id},
                              {"name", org->name},
                              {"currency", org->currency},
                              {"created_at", FormatRfc3339(org->created_at)}};
    std::cout << j.dump() << "\n";
  } else {
    std::cout << "created org " << org->id << " (" << org->name << ", " << org->currency << ")\n";
  }
  return kExitOk;
}

}  // namespace

Command AddOrgCommand(CLI::App& app) {
  auto flags = std::make_shared<OrgFlags>();
  CLI::App* org = app.add_subcommand("org", "orgs (tenants)");
  org->require_subcommand(1);
  CLI::App* create = org->add_subcommand("create", "create an org and its root budget node");
  create->add_option("ID", flags->id, "org id ([a-z0-9][a-z0-9_.-]{0,63}); also its root node's")
      ->required();
  create->add_option("--name", flags->name, "display name")->required();
  create->add_option("--currency", flags->currency, "ISO 4217 code of the org's money")
      ->capture_default_str();
  AddDbOption(*create, flags->db);
  create->add_flag("--json", flags->json, "print one JSON object");
  return {create, [flags] { return RunOrgCreate(*flags); }};
}

}  // namespace stub
