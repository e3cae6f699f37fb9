// What the operator commands share: how a command is registered and run, the
// --db and --org flags, and how a failure is reported.
//
// A command registers its flags on the CLI11 app and returns a Command whose
// `run` main calls after parsing when `app` was chosen. `run` returns the
// process exit code (cli/exit_codes.h); it prints results on stdout and
// "stub <command>: <message>" on stderr.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "engine/engine.h"
#include "store/store.h"

namespace stub {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// The store URL a command opens when --db is absent: $STUB_DB, else
// "sqlite:./stub.db".
inline constexpr std::string_view kDefaultDb = "sqlite:./stub.db";

// Adds `--db URL` (env STUB_DB, default kDefaultDb) to `cmd`, bound to `url`.
void AddDbOption(CLI::App& cmd, std::string& url);

// Adds `--org ORG` to `cmd`, bound to `org` (see ResolveOrg).
void AddOrgOption(CLI::App& cmd, std::string& org);

// Prints "stub <command>: <message>" on stderr and returns its exit code.
int ReportFailure(std::string_view command, const Status& status);

// Opens the store at `url`. Errors: OpenStore's (kInvalidArgument for a bad
// URL; the adapter's when it cannot open).
Result<std::unique_ptr<Store>> OpenCommandStore(const std::string& url);

// The org a command acts on: `flag` if given (it must exist: else kNotFound),
// otherwise the store's only org. Errors: kInvalidArgument with reason
// "usage" when `flag` is empty and the store holds no org or several.
Result<std::string> ResolveOrg(Store& store, const std::string& flag);

// The frame of a command on one org: opens the store at `db`, resolves the
// org (ResolveOrg), and returns body(engine, org) with an engine on the system
// clock; a failure on the way is reported as by ReportFailure.
int RunOnOrg(std::string_view command, const std::string& db, const std::string& org_flag,
             const std::function<int(Engine& engine, const std::string& org)>& body);

}  // namespace stub
