// Applier: the single writer of the store.
//
// One thread that reads the log from the applied position in batches,
// checks each entry's predecessor, applies the batch through the state
// machine, commits one WriteBatch (mutations + applied position + digest),
// then publishes the new position to the Waiters. Catch-up after a restart
// and live tailing are the same loop.
//
// It stops, sticky, on anything that would make this replica diverge or
// skip an entry: a broken chain (entries lost, a fork, a different log), a
// log whose tail went below the applied position, an entry format newer
// than this binary, or a corrupt store (design rules 4, 5, 8). A restart
// resumes from the applied position. Two failures are pauses, not stops,
// retried with backoff: an unreachable log (reported as unavailable) and a
// store that cannot be written (disk full, I/O error: nothing of the batch
// is committed, writes are refused, and applying resumes from the same
// position once the store takes writes again).
// Thread-safety: Start/Stop from the owner; health() from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "log/log.h"
#include "replica/applier_events.h"
#include "replica/options.h"
#include "replica/waiters.h"
#include "runtime/clock.h"
#include "runtime/mutex.h"
#include "runtime/worker.h"
#include "sm/state_machine.h"
#include "store/store.h"

namespace walfs {

struct ApplierHealth {
  // Last error talking to the log: ok while it is reachable. An applier
  // starts with "not reached yet", until its first connection succeeds.
  Status log_status;
  Status stopped;  // why the applier halted (ok while running)
  Status paused;   // why the store cannot be written now (ok if it can)
  Position applied;
  Position log_last;    // the log's tail, as last seen
  uint64_t lag_ms = 0;  // log time between the tail and the applied entry
};

class Applier {
 public:
  // REQUIRES: store, waiters, events and clock outlive the applier.
  Applier(Store* store, std::shared_ptr<Log> log, Waiters* waiters, ApplierEvents* events,
          const ServerOptions& opts, Clock* clock = Clock::Real());
  ~Applier();

  // Creates the store's meta if it is new and publishes its applied position.
  Status Init();
  void Start();
  void Stop();
  ApplierHealth health() const;
  // Asks for the change events of entries at or below `below` to go (the
  // log no longer holds them: a watch from there is 410 anyway). The
  // applier, the store's only writer, deletes them between batches, a
  // bounded number a round. From any thread.
  void PruneEventsBelow(Position below);

  // One read-apply-commit round on conn; false once the applier has
  // halted. Start() runs it in a loop on the applier's thread; the
  // simulation calls it directly, as that thread would.
  // REQUIRES: Start() was not called.
  bool ApplyOnce(LogConnection* conn);

 private:
  void Run(std::shared_ptr<LogConnection> first);
  // A new connection to the log (null if it failed), its outcome recorded
  // in health().log_status.
  std::unique_ptr<LogConnection> Connect();
  void CheckTail(LogConnection* conn);
  void Halt(Status why);
  // A store write failed: refuse writes, retry later.
  void Pause(Status why);
  // The store took a write again after a pause.
  void Unpause();
  void Backoff(uint32_t* backoff_ms);
  // Deletes up to kEventsPrunedPerRound of the events PruneEventsBelow
  // asked for (applier thread).
  void PruneJournal();
  static constexpr size_t kEventsPrunedPerRound = 4096;

  Store* store_;
  std::shared_ptr<Log> log_;
  Waiters* waiters_;
  ApplierEvents* events_;
  Clock* clock_;
  ServerOptions opts_;
  uint32_t block_bytes_ = kDefaultBlockBytes;
  ApplyState state_;  // owned by the applier thread after Start
  // Entries the next read asks for (applier thread): one at first, whatever
  // their size, then as many as fit apply_batch_bytes_max.
  size_t read_count_ = 1;

  mutable Mutex mu_;
  ApplierHealth health_ GUARDED_BY(mu_);
  Position prune_below_ GUARDED_BY(mu_);  // what PruneEventsBelow asked for
  Position pruned_below_;                 // applier thread: what is done
  Clock::TimePoint last_tail_check_;
  Clock::TimePoint last_space_check_;
  bool paused_ = false;  // applier thread only; health_.paused reports it
  Worker worker_{"walfs-applier"};
};

}  // namespace walfs
