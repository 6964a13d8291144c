#include "ops/bootstrap.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "backup/snapshot.h"
#include "core/hash.h"
#include "ops/cluster_agent.h"
#include "runtime/wall_clock.h"
#include "sm/state_machine.h"
#include "store/rocks_store.h"

namespace walfs {
namespace {

namespace fs = std::filesystem;

// Moves data_dir/store to data_dir/<aside> (replacing what was there) and
// `with` (a restored store; empty: none, so the replica starts from an
// empty store) in its place.
Status SwapStore(const ServerOptions& opts, const std::string& with, const std::string& aside) {
  std::string store_dir = opts.data_dir + "/store";
  std::string old = opts.data_dir + "/" + aside;
  std::error_code ec;
  fs::remove_all(old, ec);
  fs::rename(store_dir, old, ec);
  if (!ec && !with.empty()) fs::rename(with, store_dir, ec);
  if (ec) return Status(Code::kIoError, "cannot swap in the restored store: " + ec.message());
  return Status::Ok();
}

// Restores m into data_dir/store.restoring. kNotFound if retention removed
// its files meanwhile (a newer snapshot then exists).
Result<std::string> RestoreToStaging(const ServerOptions& opts, BackupStore& backup,
                                     const SnapshotManifest& m) {
  std::string staging = opts.data_dir + "/store.restoring";
  std::error_code ec;
  fs::remove_all(staging, ec);
  Status restored = RestoreSnapshot(backup, m, staging);
  if (!restored.ok()) {
    fs::remove_all(staging, ec);
    return restored;
  }
  return staging;
}

// The replica applied `applied`, which the log replaced with another entry
// (a quorum log: it was never acknowledged). Puts data_dir/store back on
// the log's history; returns what it did.
Result<std::string> GoBackToTheLog(const ServerOptions& opts, LogConnection& conn,
                                   BackupStore* backup, const ApplyState& state) {
  std::string why = "this replica applied " + state.applied.ToString() +
                    ", an entry the log did not keep (it holds another there; an entry a quorum "
                    "never held, so never acknowledged)";
  if (backup != nullptr) {
    auto snaps = ListSnapshots(*backup);
    if (!snaps.ok()) return snaps.status();
    for (auto m = snaps->rbegin(); m != snaps->rend(); ++m) {
      auto held = conn.Holds(m->position);
      if (!held.ok()) return held.status();
      if (*held != LogConnection::Holding::kHeld || m->position.IsZero()) continue;
      auto staging = RestoreToStaging(opts, *backup, *m);
      if (staging.status().code() == Code::kNotFound) continue;  // retention: an older one
      if (!staging.ok()) return staging.status();
      WALFS_RETURN_IF_ERROR(SwapStore(opts, *staging, "store.forked"));
      return why + ": restored snapshot " + m->id + " (position " + m->position.ToString() +
             ", which the log holds) from " + backup->Describe() +
             "; the store that applied it is kept in " + opts.data_dir + "/store.forked";
    }
  }
  // No snapshot on the log's history: from nothing, if the log holds every
  // entry since its start.
  auto first = conn.Read(Position{}, 1, std::chrono::milliseconds(0));
  if (!first.ok()) return first.status();
  if (first->empty() || !(*first)[0].prev.IsZero()) {
    return Status(
        Code::kNotReady,
        why + ", and no snapshot" +
            (backup != nullptr ? " in " + backup->Describe() : std::string(" (no --backup)")) +
            " is at a position the log still holds, nor does the log hold every entry "
            "since its start: restore a snapshot with `walfs restore`, or start this "
            "replica from an empty --data");
  }
  WALFS_RETURN_IF_ERROR(SwapStore(opts, "", "store.forked"));
  return why +
         ": the store starts again from the log's first entry; the store that applied it is "
         "kept in " +
         opts.data_dir + "/store.forked";
}

// What was done, one step after another.
std::string Then(const std::string& said, const std::string& more) {
  return said.empty() ? more : said + "; then " + more;
}

}  // namespace

Result<std::string> BootstrapIfNeeded(const ServerOptions& opts, Log& log, BackupStore* backup) {
  std::string store_dir = opts.data_dir + "/store";
  auto conn = log.Connect();
  if (!conn.ok()) return conn.status();
  std::string said;
  // The log may be trimmed again while a snapshot is restored (the lease
  // holder snapshots and trims as bytes come): then the restored store is
  // behind the log too, and a newer snapshot is restored, a few times at
  // most. The same when retention removes the picked snapshot under it.
  for (int round = 0; round < 10; ++round) {
    ApplyState state;
    {
      auto store = RocksStore::Open(store_dir);
      if (!store.ok()) return store.status();
      auto st = LoadApplyState((*store)->live());
      if (!st.ok()) return st.status();
      state = *st;
    }
    // Announced first, so that the lease holder, which trims below every
    // live heartbeat, does not trim past this store between the check
    // below and the applier's first read.
    (void)PublishHeartbeat(
        conn->get(), opts,
        ReplicaInfo{opts.replica_id, opts.advertise, state.applied, ToHex(state.digest),
                    state.entries, WallClockMs(), "", false, opts.volume_map});
    auto held = (*conn)->Holds(state.applied);
    auto first = held.ok() ? (*conn)->Read(state.applied, 1, std::chrono::milliseconds(0))
                           : Result<std::vector<LogRecord>>(held.status());
    if (!first.ok()) {
      if (!said.empty()) return said;
      return std::string("log unreachable at start; bootstrap check skipped: ") +
             first.status().message();
    }
    if (*held == LogConnection::Holding::kReplaced) {
      // Stopping for good is for logs that lose acknowledged entries.
      if (!(*conn)->AcknowledgesOnQuorum()) return said;  // the applier says what it is
      auto back = GoBackToTheLog(opts, **conn, backup, state);
      if (!back.ok()) return back.status();
      said = Then(said, *back);
      continue;  // the restored store is checked against the log again
    }
    if (first->empty() || (*first)[0].prev == state.applied) return said;
    // The next entry this replica would read does not follow its applied position.
    Position need = (*first)[0].prev;
    if (need < state.applied) return said;  // not a trim: the applier will say what it is
    if (backup == nullptr) {
      return Status(Code::kNotReady,
                    "this replica applied " + state.applied.ToString() +
                        " but the log now starts after " + need.ToString() +
                        " (it was trimmed): start it with --backup to restore a snapshot");
    }
    auto snaps = ListSnapshots(*backup);
    if (!snaps.ok()) return snaps.status();
    const SnapshotManifest* pick = nullptr;
    for (const auto& m : *snaps) {
      if (m.position >= need) pick = &m;  // the newest that reaches the log
    }
    if (pick == nullptr) {
      return Status(Code::kNotReady,
                    "no snapshot in " + backup->Describe() + " reaches " + need.ToString() +
                        ", where the log now starts: this replica cannot continue");
    }
    auto staging = RestoreToStaging(opts, *backup, *pick);
    if (staging.status().code() == Code::kNotFound) {
      // Newer snapshots were taken meanwhile and retention removed this
      // one's files: the log and the backup store are looked at again.
      spdlog::warn("snapshot {} went away while it was restored ({}); trying a newer one", pick->id,
                   staging.status().message());
      continue;
    }
    if (!staging.ok()) return staging.status();
    WALFS_RETURN_IF_ERROR(SwapStore(opts, *staging, "store.replaced"));
    std::error_code ec;
    fs::remove_all(opts.data_dir + "/store.replaced", ec);
    said = Then(said, "restored snapshot " + pick->id + " (position " + pick->position.ToString() +
                          ") from " + backup->Describe() + "; this replica had applied " +
                          state.applied.ToString());
  }
  return Status(Code::kNotReady, "the store could not be brought to the log in 10 attempts (" +
                                     said + "): start again once the log is trimmed less often");
}

}  // namespace walfs
