// Seeds the demo org (Acme Corp, id "acme"; see demo_org.h) with its budget
// tree and about a month of backdated spend history (demo_history.h) ending
// at the clock's now.
//
// Idempotent: nodes are created only when missing (an existing node is left
// as it is, so an operator's later changes survive), every spend and hold
// carries a deterministic idempotency key (a re-run replays them, writing
// nothing), and a hold is captured or voided only while it is still pending.
// Running it twice changes nothing; a run that stopped half-way is completed
// by the next one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"
#include "core/time_util.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "store/store.h"

namespace stub {

struct DemoSeedReport {
  std::string org;
  bool org_created = false;       // false: the org existed already
  std::size_t nodes_created = 0;  // teams and agents created by this run
  Timestamp from = 0;             // the history's span: [from, to]
  Timestamp to = 0;
  // Over the whole history, whether recorded by this run or an earlier one:
  std::size_t requests = 0;  // spends and holds asked
  std::size_t approved = 0;  // spends approved, captures included
  std::size_t denied = 0;    // spends and holds denied
  std::size_t holds = 0;     // holds granted
  std::size_t captured = 0;
  std::size_t voided = 0;
  // What this run did: requests replayed from an earlier run, and writes
  // (org, nodes, new requests, captures, voids, expiries). 0 writes: nothing
  // changed.
  std::size_t replayed = 0;
  std::size_t writes = 0;
  std::uint64_t entries = 0;  // the org's journal length afterwards
  std::string head_hash;      // and its chain head
};

// Requires: `engine` reads `clock`. Moves the clock through the history
// (from clock.Now() − kDemoHistoryLength) and leaves it at its starting now.
// Errors: kFailedPrecondition if an org with the demo id exists under another
// name; the engine's errors (kConflict/kUnavailable after its retries) — the
// data written so far stands, and a re-run completes it.
// Thread-safety: one seeding per clock at a time.
Result<DemoSeedReport> SeedDemo(Engine& engine, ManualClock& clock);

// The same on `store`, with an engine and a clock of its own ending at `now`.
Result<DemoSeedReport> SeedDemo(Store& store, Timestamp now);

}  // namespace stub
