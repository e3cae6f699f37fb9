#include "cli/demo_seed.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/demo_history.h"
#include "cli/demo_org.h"

namespace stub {
namespace {

class Seeder {
 public:
  Seeder(Engine& engine, ManualClock& clock) : engine_(engine), clock_(clock) {}

  Result<DemoSeedReport> Run() {
    const Timestamp now = clock_.Now();
    report_.org = std::string(kDemoOrgId);
    report_.from = now - kDemoHistoryLength;
    report_.to = now;
    STUB_ASSIGN_OR_RETURN(const std::vector<DemoStep> plan, DemoHistory());

    clock_.Set(report_.from);
    Status status = Tree();
    if (status.ok()) status = History(plan);
    clock_.Set(now);
    STUB_RETURN_IF_ERROR(status);

    // Holds abandoned in the history are past due by now: record their expiry.
    STUB_ASSIGN_OR_RETURN(const std::size_t expired, engine_.ExpireDueHolds(report_.org));
    report_.writes += expired;
    STUB_ASSIGN_OR_RETURN(auto org, engine_.GetOrg(report_.org));
    if (!org) return Internal("the demo org vanished while it was seeded");
    report_.entries = org->head_seq;
    report_.head_hash = org->head_hash;
    return std::move(report_);
  }

 private:
  // Creates the org and every missing node of the tree.
  Status Tree() {
    const std::vector<Node> tree = DemoTree();
    STUB_ASSIGN_OR_RETURN(auto org, engine_.GetOrg(report_.org));
    if (org && org->name != kDemoOrgName) {
      return FailedPrecondition("org '" + report_.org + "' exists and is not the demo org ('" +
                                org->name + "')");
    }
    if (!org) {
      auto created = engine_.CreateOrg(report_.org, kDemoOrgName, kDemoCurrency);
      if (created.ok()) {
        report_.org_created = true;
        ++report_.writes;
      } else if (created.status().code() != StatusCode::kAlreadyExists) {
        return created.status();
      }
    }
    for (const Node& node : tree) {
      STUB_ASSIGN_OR_RETURN(auto existing, engine_.GetNode(report_.org, node.id));
      // The org root exists from CreateOrg on; it gets its limits unless it
      // has some already.
      const bool missing = !existing || (node.kind == NodeKind::kOrg &&
                                         existing->node.limits.empty() && !node.limits.empty());
      if (!missing) continue;
      Node put = node;
      if (existing) {  // keep what the root already has (its name, flags)
        put = existing->node;
        put.limits = node.limits;
      }
      STUB_RETURN_IF_ERROR(engine_.PutNode(report_.org, put).status());
      ++report_.writes;
      if (node.kind != NodeKind::kOrg) ++report_.nodes_created;
    }
    return Status::Ok();
  }

  Status History(const std::vector<DemoStep>& plan) {
    std::vector<std::optional<std::string>> hold_ids(plan.size());
    for (std::size_t i = 0; i < plan.size(); ++i) {
      const DemoStep& step = plan[i];
      clock_.Set(report_.from + step.at);
      switch (step.kind) {
        case DemoStepKind::kSpend:
        case DemoStepKind::kHold: {
          STUB_ASSIGN_OR_RETURN(std::optional<std::string> hold, Request(step));
          hold_ids[i] = std::move(hold);
          break;
        }
        case DemoStepKind::kCapture:
        case DemoStepKind::kVoid:
          if (hold_ids[step.hold_step])
            STUB_RETURN_IF_ERROR(Resolve(step, *hold_ids[step.hold_step]));
          break;
      }
    }
    return Status::Ok();
  }

  // Applies (or replays) a spend or hold; returns the hold's id if one was
  // granted.
  Result<std::optional<std::string>> Request(const DemoStep& step) {
    SpendRequest request = step.request;
    request.org = report_.org;
    const bool is_hold = step.kind == DemoStepKind::kHold;
    auto result =
        is_hold ? engine_.Hold(HoldRequest{std::move(request), step.ttl}) : engine_.Spend(request);
    if (!result.ok()) {
      return Status(
          result.status().code(),
          "demo request " + step.request.idempotency_key + ": " + result.status().message(),
          result.status().reason());
    }
    ++report_.requests;
    ++(result->replayed ? report_.replayed : report_.writes);
    switch (result->outcome.status) {
      case OutcomeStatus::kApproved:
        ++report_.approved;
        return std::optional<std::string>();
      case OutcomeStatus::kDenied:
        ++report_.denied;
        return std::optional<std::string>();
      case OutcomeStatus::kHeld:
        ++report_.holds;
        return std::optional<std::string>(result->outcome.id);
      case OutcomeStatus::kPendingApproval:
        break;  // the demo org has no approval threshold
    }
    return Internal("unexpected outcome status");
  }

  // Captures or voids the hold if it is still pending; counts it either way.
  Status Resolve(const DemoStep& step, const std::string& hold_id) {
    const bool capture = step.kind == DemoStepKind::kCapture;
    STUB_ASSIGN_OR_RETURN(auto hold, engine_.GetHold(report_.org, hold_id));
    if (!hold) return Internal("demo hold " + hold_id + " is missing");
    if (hold->status == HoldStatus::kHeld && !IsDue(*hold, clock_.Now())) {
      Status done;
      if (capture) {
        CaptureRequest request;
        request.org = report_.org;
        request.hold_id = hold_id;
        request.amount = step.capture_amount;
        request.receipt = step.capture_receipt;
        done = engine_.Capture(request).status();
      } else {
        done = engine_.Void(report_.org, hold_id).status();
      }
      // Someone else (a server's sweeper) resolved it first: nothing to do.
      if (done.reason() == "hold_not_pending") return Status::Ok();
      STUB_RETURN_IF_ERROR(done);
      ++report_.writes;
      ++(capture ? report_.captured : report_.voided);
      if (capture) ++report_.approved;
      return Status::Ok();
    }
    if (capture && hold->status == HoldStatus::kCaptured) {
      ++report_.captured;
      ++report_.approved;
    }
    if (!capture && hold->status == HoldStatus::kVoided) ++report_.voided;
    return Status::Ok();
  }

  Engine& engine_;
  ManualClock& clock_;
  DemoSeedReport report_;
};

}  // namespace

Result<DemoSeedReport> SeedDemo(Engine& engine, ManualClock& clock) {
  return Seeder(engine, clock).Run();
}

Result<DemoSeedReport> SeedDemo(Store& store, Timestamp now) {
  ManualClock clock(now);
  Engine engine(store, clock);
  return SeedDemo(engine, clock);
}

}  // namespace stub
