// The wall clock in milliseconds since the Unix epoch: log entry ids of the
// local log, heartbeat times, snapshot times. Never used by the state
// machine, which takes time from the log (design.md, rule 3).
#pragma once

#include <chrono>
#include <cstdint>

namespace walfs {

inline uint64_t WallClockMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace walfs
