// A change of configuration as the audit trail records it: a `config`
// journal entry (see journal.h) whose receipt says who changed what, from
// what, to what. Built here so every change is recorded the same way.
//
// Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/journal.h"
#include "core/status.h"

namespace stub {

// Actions. The event feed names its events after them.
inline constexpr std::string_view kActionPolicyUpdated = "policy.updated";
inline constexpr std::string_view kActionLimitsUpdated = "limits.updated";
inline constexpr std::string_view kActionAgentFrozen = "agent.frozen";
inline constexpr std::string_view kActionAgentUnfrozen = "agent.unfrozen";
inline constexpr std::string_view kActionKillSwitchEngaged = "kill_switch.engaged";
inline constexpr std::string_view kActionKillSwitchReleased = "kill_switch.released";
inline constexpr std::string_view kActionMaxSpendUpdated = "max_spend.updated";
inline constexpr std::string_view kActionApprovalRequested = "approval.requested";
inline constexpr std::string_view kActionApprovalDecided = "approval.decided";
inline constexpr std::string_view kActionProviderUpdated = "provider.updated";
inline constexpr std::string_view kActionWalletUpdated = "wallet.updated";

// Actors that are not API keys.
inline constexpr std::string_view kActorSystem = "system";  // the engine itself (velocity)
inline constexpr std::string_view kActorCli = "cli";        // an operator command

struct ConfigChange {
  std::string actor;         // an API key id, "root", "cli" or "system"
  std::string action;        // one of kAction*
  std::string node;          // the node changed (the org id for org-wide changes)
  std::string agent;         // the agent concerned, if any (for per-agent event feeds)
  nlohmann::json old_value;  // null when there was nothing
  nlohmann::json new_value;
  std::string reason;                               // optional
  nlohmann::json extra = nlohmann::json::object();  // more fields, merged in
};

// The unsealed config entry of `change` at `now`: kind kConfig, ref = node,
// agent, intent = action, receipt = canonical JSON of {"action", "actor",
// "node", "old", "new", "reason"?, …extra} and its receipt_hash.
// Errors: kInvalidArgument if a value is not valid UTF-8.
Result<Entry> MakeConfigEntry(const ConfigChange& change, Timestamp now);

}  // namespace stub
