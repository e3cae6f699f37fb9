// An approval: a spend over a node's approval threshold (Policy::
// approval_over) waits for a person. Its amount is held while pending (a
// hold whose id is the approval's id, so the budget stays reserved); an
// approve captures the hold as a spend, a deny voids it, and the hold's
// expiry expires it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/money.h"
#include "core/time_util.h"

namespace stub {

enum class ApprovalStatus : std::uint8_t { kPending = 0, kApproved, kDenied, kExpired };

std::string_view ApprovalStatusName(ApprovalStatus s);  // "pending" | "approved" | …
std::optional<ApprovalStatus> ParseApprovalStatus(std::string_view name);

// Approval ids (and their holds' ids) start with this, so the hold paths can
// tell an approval's hold from an ordinary one without a read.
inline constexpr std::string_view kApprovalIdPrefix = "ap_";
inline bool IsApprovalId(std::string_view id) { return id.starts_with(kApprovalIdPrefix); }

// How long an approval waits before it expires (and its hold with it).
inline constexpr Timestamp kApprovalTtl = 24LL * 3600 * kMicrosPerSecond;

struct ApprovalRow {
  std::string org;
  std::string id;  // also the id of its hold
  std::string agent;
  Micros amount = 0;
  std::string vendor;
  std::string category;
  std::string session;
  std::string user;
  std::string intent;
  std::string node;  // the node whose approval_over it is over
  Micros over = 0;   // that threshold
  ApprovalStatus status = ApprovalStatus::kPending;
  Timestamp created_at = 0;
  Timestamp expires_at = 0;
  Timestamp decided_at = 0;  // 0 while pending
  std::string decided_by;    // the deciding key's id ("system" for an expiry)
  std::string spend_id;      // approved: the spend its capture booked
  std::string note;          // the decider's reason, if any
  bool operator==(const ApprovalRow&) const = default;
};

}  // namespace stub
