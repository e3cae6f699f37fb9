#include "store/forced_interleaving.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace stub {
namespace {

thread_local ForcedInterleaving::ActorScope* current_scope = nullptr;

std::string Describe(const std::vector<ForcedInterleaving::Step>& script, std::size_t i) {
  if (i >= script.size()) return "(end of script)";
  return "#" + std::to_string(i) + " {" + script[i].actor + ", " +
         std::string(HookPointName(script[i].point)) + "}";
}

}  // namespace

ForcedInterleaving::ForcedInterleaving(std::vector<Step> script)
    : ForcedInterleaving(std::move(script), kDefaultTimeout) {}

ForcedInterleaving::ForcedInterleaving(std::vector<Step> script, std::chrono::milliseconds timeout,
                                       Observer observer)
    : script_(std::move(script)), timeout_(timeout), observer_(std::move(observer)) {}

ForcedInterleaving::ActorScope::ActorScope(ForcedInterleaving& fi, std::string actor)
    : fi_(&fi), actor_(std::move(actor)), previous_(current_scope) {
  current_scope = this;
}

ForcedInterleaving::ActorScope::~ActorScope() { current_scope = previous_; }

void ForcedInterleaving::OnHook(HookPoint point, std::uint64_t txn_id) {
  const ActorScope* scope = current_scope;
  if (scope == nullptr || scope->fi_ != this) return;
  std::unique_lock lock(mu_);
  // Steps before next_ are consumed, so the actor's first unconsumed step is
  // its first step at or after next_.
  std::size_t mine = next_;
  while (mine < script_.size() && script_[mine].actor != scope->actor_) ++mine;
  if (mine == script_.size() || script_[mine].point != point) return;
  if (!cv_.wait_for(lock, timeout_, [&] { return next_ == mine; })) {
    std::fprintf(stderr,
                 "ForcedInterleaving: stuck for %lld ms: actor '%s' (txn %llu) waits at step %s, "
                 "but the script still waits for step %s\n",
                 static_cast<long long>(timeout_.count()), scope->actor_.c_str(),
                 static_cast<unsigned long long>(txn_id), Describe(script_, mine).c_str(),
                 Describe(script_, next_).c_str());
    std::fflush(stderr);
    std::abort();
  }
  if (observer_) observer_(mine, script_[mine], txn_id);
  ++next_;
  lock.unlock();
  cv_.notify_all();
}

bool ForcedInterleaving::Done() const {
  std::lock_guard lock(mu_);
  return next_ == script_.size();
}

std::size_t ForcedInterleaving::consumed() const {
  std::lock_guard lock(mu_);
  return next_;
}

}  // namespace stub
