// `stub init [--db URL] [--json]`: prepares a database for `stub serve`:
// opens it (creating the SQLite file and applying the schema migrations) and
// makes sure there is a way in for the operator: when $STUB_ROOT_KEY is set it
// is the root key and nothing is created; otherwise a root key is created and
// printed once — unless the database already has one (then nothing is
// created or shown again). Safe to run any number of times: a second run
// changes nothing.
//
// --json: {"db", "store", "root_key_created": bool, "root_key"?: the secret
// when created, "root_key_from_env": bool}.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace stub {

Command AddInitCommand(CLI::App& app);

}  // namespace stub
