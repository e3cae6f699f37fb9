#include "server/stream_limiter.h"

#include <utility>

namespace stub {

StreamLimiter::Lease::~Lease() { limiter_->Release(key_, org_); }

Result<std::unique_ptr<StreamLimiter::Lease>> StreamLimiter::Acquire(std::string_view key_id,
                                                                     std::string_view org) {
  std::lock_guard lock(mu_);
  auto k = by_key_.find(key_id);
  if (k != by_key_.end() && k->second >= options_.max_per_key) {
    return ResourceExhausted("this key has " + std::to_string(k->second) +
                                 " event streams open, its maximum; close one first",
                             "too_many_streams");
  }
  auto o = by_org_.find(org);
  if (o != by_org_.end() && o->second >= options_.max_per_org) {
    return ResourceExhausted("this org has " + std::to_string(o->second) +
                                 " event streams open, its maximum; close one first",
                             "too_many_streams");
  }
  ++by_key_[std::string(key_id)];
  ++by_org_[std::string(org)];
  return std::unique_ptr<Lease>(new Lease(this, std::string(key_id), std::string(org)));
}

void StreamLimiter::Release(const std::string& key, const std::string& org) {
  std::lock_guard lock(mu_);
  if (auto k = by_key_.find(key); k != by_key_.end() && --k->second == 0) by_key_.erase(k);
  if (auto o = by_org_.find(org); o != by_org_.end() && --o->second == 0) by_org_.erase(o);
}

std::size_t StreamLimiter::OpenForKey(std::string_view key_id) const {
  std::lock_guard lock(mu_);
  auto k = by_key_.find(key_id);
  return k == by_key_.end() ? 0 : k->second;
}

std::size_t StreamLimiter::OpenForOrg(std::string_view org) const {
  std::lock_guard lock(mu_);
  auto o = by_org_.find(org);
  return o == by_org_.end() ? 0 : o->second;
}

}  // namespace stub
