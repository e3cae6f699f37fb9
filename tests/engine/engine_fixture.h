// Shared setup for engine tests: an org with a small budget tree on a store,
// a manual clock, and request builders.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/money.h"
#include "core/time_util.h"
#include "engine/engine.h"
#include "store/memory/memory_store.h"

namespace stub::testing {

inline constexpr Timestamp kNov28 = 1795860000LL * kMicrosPerSecond;  // 2026-11-28T10:00:00Z

inline Micros Amt(const char* text) {
  auto m = ParseAmount(text);
  EXPECT_TRUE(m.ok()) << text;
  return m.ok() ? *m : 0;
}

inline SpendRequest MakeSpend(std::string agent, const char* amount, std::string key,
                              std::string org = "acme") {
  SpendRequest r;
  r.org = std::move(org);
  r.agent = std::move(agent);
  r.amount = Amt(amount);
  r.vendor = "api.dataco.com";
  r.category = "data";
  r.idempotency_key = std::move(key);
  return r;
}

// The org's chain head: limit changes are journaled (config entries), so a
// test's first spend follows the tree's setup in the chain.
inline std::uint64_t HeadSeq(Engine& engine, const std::string& org = "acme") {
  auto row = engine.GetOrg(org);
  EXPECT_TRUE(row.ok() && row->has_value());
  return row.ok() && row->has_value() ? (*row)->head_seq : 0;
}

// Engine::Verify of `org` succeeds and finds nothing wrong; each problem is
// reported as a failure of its own.
inline void ExpectVerifies(Engine& engine, const std::string& org = "acme") {
  auto report = engine.Verify(org);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok);
  for (const Problem& p : report->problems) ADD_FAILURE() << p.code << ": " << p.message;
}

// Creates org "acme" → team "marketing" → agents; limits as given.
inline void MakeTree(Engine& engine, std::vector<Limit> org_limits, std::vector<Limit> team_limits,
                     std::vector<Limit> agent_limits,
                     const std::vector<std::string>& agents = {"mkt-1"}) {
  ASSERT_TRUE(engine.CreateOrg("acme", "Acme").ok());
  Node root{.id = "acme", .kind = NodeKind::kOrg, .name = "Acme"};
  root.limits = std::move(org_limits);
  ASSERT_TRUE(engine.PutNode("acme", root).ok());
  Node team{.id = "marketing", .kind = NodeKind::kTeam, .parent = "acme", .name = "Marketing"};
  team.limits = std::move(team_limits);
  ASSERT_TRUE(engine.PutNode("acme", team).ok());
  for (const std::string& id : agents) {
    Node agent{.id = id, .kind = NodeKind::kAgent, .parent = "marketing"};
    agent.limits = agent_limits;
    ASSERT_TRUE(engine.PutNode("acme", agent).ok());
  }
}

}  // namespace stub::testing
