// `stub key create|list|revoke`: an org's API keys, on the database directly.
//
//   stub key create --role admin|finance|approver|agent [--agent A] [--name N]
//   stub key list
//   stub key revoke KEY_ID
//
// All take --org (default: the only org) and --db. `create` prints the secret
// once (only its hash is stored). A key revoked here stops working on a
// running `stub serve` of the same database within its key cache's lifetime
// (1 s); one revoked through the server's DELETE /v1/keys/{id} at once.
//
// --json: create → {"id","org","role","agent"?,"name","key"}; list →
// {"org","items":[{"id","role","name","agent"?,"created_at","revoked",
// "revoked_at"?}]}; revoke → {"org","id","revoked":true}.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace stub {

Command AddKeyCommand(CLI::App& app);

}  // namespace stub
