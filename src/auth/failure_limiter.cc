#include "auth/failure_limiter.h"

namespace walfs {

bool FailureLimiter::Blocked(std::string_view address, int64_t now_ms) {
  if (per_minute_ == 0) return false;
  MutexLock lock(&mu_);
  auto it = windows_.find(std::string(address));
  if (it == windows_.end() || now_ms - it->second.start_ms >= kWindowMs) return false;
  return it->second.failures >= per_minute_;
}

void FailureLimiter::RecordFailure(std::string_view address, int64_t now_ms) {
  if (per_minute_ == 0) return;
  MutexLock lock(&mu_);
  auto it = windows_.find(std::string(address));
  if (it == windows_.end()) {
    if (windows_.size() >= kAddressesMax) {
      std::erase_if(windows_,
                    [now_ms](const auto& kv) { return now_ms - kv.second.start_ms >= kWindowMs; });
      if (windows_.size() >= kAddressesMax) return;
    }
    it = windows_.emplace(std::string(address), Window{now_ms, 0}).first;
  }
  Window& w = it->second;
  if (now_ms - w.start_ms >= kWindowMs) w = Window{now_ms, 0};
  ++w.failures;
}

}  // namespace walfs
