#include "cli/init_command.h"

#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/exit_codes.h"
#include "cli/root_key_env.h"
#include "engine/key_service.h"

namespace stub {
namespace {

constexpr std::string_view kInitCommand = "init";

struct InitFlags {
  std::string db;
  bool json = false;
};

int RunInit(const InitFlags& flags) {
  auto root = RootKeyFromEnv();
  if (!root.ok()) return ReportFailure(kInitCommand, root.status());
  auto store = OpenCommandStore(flags.db);  // opening migrates
  if (!store.ok()) return ReportFailure(kInitCommand, store.status());
  const bool from_env = root->has_value();
  std::optional<IssuedKey> created;
  if (!from_env) {
    static const SystemClock clock;
    KeyService keys(**store, clock);
    auto ensured = keys.EnsureRootKey();
    if (!ensured.ok()) return ReportFailure(kInitCommand, ensured.status());
    created = std::move(*ensured);
  }
  if (flags.json) {
    nlohmann::ordered_json j;
    j["db"] = flags.db;
    j["store"] = std::string((*store)->Kind());
    j["root_key_created"] = created.has_value();
    if (created) j["root_key"] = created->secret;
    j["root_key_from_env"] = from_env;
    std::cout << j.dump() << "\n";
    return kExitOk;
  }
  std::cout << "Database " << flags.db << " is ready (schema up to date).\n";
  if (from_env) {
    std::cout << "The root key is $STUB_ROOT_KEY; no key was created.\n";
  } else if (created) {
    std::cout << "Created the root key (shown once; store it safely):\n  " << created->secret
              << "\n";
  } else {
    std::cout << "It already has a root key (not shown again); nothing was created.\n";
  }
  return kExitOk;
}

}  // namespace

Command AddInitCommand(CLI::App& app) {
  auto flags = std::make_shared<InitFlags>();
  CLI::App* init = app.add_subcommand(
      "init", "create/migrate the database and its root key (printed once; safe to run again)");
  AddDbOption(*init, flags->db);
  init->add_flag("--json", flags->json, "print one JSON object");
  return {init, [flags] { return RunInit(*flags); }};
}

}  // namespace stub
