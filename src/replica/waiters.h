// Waiters: the applied position, published by the applier, and the
// requests waiting for it.
//
// The applier calls Publish after each committed batch (and Stop if it
// halts); request handlers register a callback for a position and are woken
// when the replica has applied it, or when the applier stops. Recent
// outcomes are kept (bounded) so that an ack=applied write can answer with
// its entry's real outcome.
// Thread-safety: all methods are thread-safe. Callbacks run on the
// publishing thread and must only post work elsewhere.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "runtime/mutex.h"
#include "sm/outcome.h"

namespace walfs {

class Waiters {
 public:
  explicit Waiters(size_t outcomes_max) : outcomes_max_(outcomes_max) {}

  using Callback = std::function<void()>;
  // Calls cb once the applied position is >= p or the applier stopped
  // (immediately, on this thread, if that is already so). Returns an id for
  // Cancel, or 0 if cb already ran.
  uint64_t Register(Position p, Callback cb);
  // Forgets a registration (after a timeout). Safe if it already fired.
  void Cancel(uint64_t id);

  void Publish(Position applied, std::string digest,
               std::vector<std::pair<Position, Outcome>> outcomes);
  // The applier halted: wake everyone; stopped() stays true.
  void Stop(Status why);
  void Resume();

  Position applied() const;
  std::string digest() const;
  // Non-ok once the applier has stopped; the reason.
  Status stopped() const;
  std::optional<Outcome> TakeOutcome(Position p);

 private:
  void FireReady(std::vector<Callback>* out) REQUIRES(mu_);

  using WaitingMap = std::multimap<Position, std::pair<uint64_t, Callback>>;

  mutable Mutex mu_;
  Position applied_ GUARDED_BY(mu_);
  std::string digest_ GUARDED_BY(mu_);
  Status stopped_ GUARDED_BY(mu_);
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
  WaitingMap waiting_ GUARDED_BY(mu_);
  std::unordered_map<uint64_t, WaitingMap::iterator> by_id_ GUARDED_BY(mu_);
  const size_t outcomes_max_;
  std::map<Position, Outcome> outcomes_ GUARDED_BY(mu_);
  std::deque<Position> outcome_order_ GUARDED_BY(mu_);
};

}  // namespace walfs
