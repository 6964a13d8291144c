// FailureLimiter: authentication failures counted per client address in
// one-minute windows; an address past the limit is refused (429) until its
// window ends, before its credentials are even checked, so that guessing
// tokens or secrets is slow. Bounded: at most kAddressesMax addresses are
// tracked; when that many failed in the current minute, new addresses are
// not tracked (the limit then fails open rather than refuse everyone).
// Thread-safety: thread-safe (one mutex; the sessions of every thread
// share one limiter).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "runtime/mutex.h"

namespace walfs {

class FailureLimiter {
 public:
  static constexpr size_t kAddressesMax = 100000;
  static constexpr int64_t kWindowMs = 60000;

  // per_minute: failures an address may have in a window; 0 turns the limit off.
  explicit FailureLimiter(uint32_t per_minute) : per_minute_(per_minute) {}

  // True if address has used up its failures in the window now_ms falls in.
  bool Blocked(std::string_view address, int64_t now_ms);
  void RecordFailure(std::string_view address, int64_t now_ms);

 private:
  struct Window {
    int64_t start_ms = 0;
    uint32_t failures = 0;
  };
  const uint32_t per_minute_;
  Mutex mu_;
  std::unordered_map<std::string, Window> windows_ GUARDED_BY(mu_);
};

}  // namespace walfs
