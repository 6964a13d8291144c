// Clock: where the replica's actors read the time (intervals and
// deadlines, never the state machine: its only clock is the log's).
//
// The real clock is std::chrono::steady_clock; the simulation passes its
// own, which moves only when told (and can jump), so that runs replay.
// Thread-safety: implementations are thread-safe.
#pragma once

#include <chrono>

namespace walfs {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Clock() = default;
  virtual TimePoint Now() = 0;

  // The process's steady clock.
  static Clock* Real();
};

inline Clock* Clock::Real() {
  class Steady final : public Clock {
   public:
    TimePoint Now() override { return std::chrono::steady_clock::now(); }
  };
  static Steady steady;
  return &steady;
}

}  // namespace walfs
