// Snapshotter: scheduled and on-demand snapshots, retention, and trimming.
//
// One thread with its own log connection and backup store. The replica
// holding the "maintenance" lease (renewed every round) takes scheduled
// snapshots (every N entries or T seconds with new entries), prunes old
// ones, and trims the log. Any replica takes a snapshot on demand.
//
// The log is trimmed only below a position that a verified snapshot covers
// (TrimPoint), and by default not below the slowest replica whose heartbeat
// was live within --trim-hold-ms (ClusterAgent::TrimHolds), unless the log
// is over its size or age bound. A snapshot whose upload failed is
// not complete, so it never moves the trim point.
// Thread-safety: RequestSnapshot and Snapshots from any thread.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "backup/snapshot.h"
#include "log/log.h"
#include "ops/cluster_agent.h"
#include "ops/metrics.h"
#include "replica/options.h"
#include "replica/waiters.h"
#include "runtime/worker.h"

namespace walfs {

struct TrimPolicy {
  uint64_t log_entries_max =
      10'000'000;  // past this, trim to the snapshot even below slow replicas
  uint64_t log_age_ms_max = 7ull * 24 * 3600 * 1000;
};

// The position to trim the log to (entries below it go), or nullopt.
// Never trims the log's last entry (the chain continues from it), never
// past the snapshot, and not past the slowest of the replicas' announced
// positions (holds) unless the log is over a bound.
std::optional<Position> TrimPoint(const LogTail& tail, Position snapshot,
                                  const std::vector<Position>& holds, const TrimPolicy& p);

class Snapshotter {
 public:
  using Done = std::function<void(Result<SnapshotManifest>)>;
  Snapshotter(std::shared_ptr<Log> log, std::unique_ptr<BackupStore> backup, RocksStore* store,
              ClusterAgent* agent, Metrics* metrics, const ServerOptions& opts);
  ~Snapshotter();
  void Start();
  void Stop();

  // Takes a snapshot now; done runs on the snapshotter thread.
  void RequestSnapshot(Done done);
  Result<std::vector<SnapshotManifest>> Snapshots();

 private:
  void Run();
  void Round();
  bool Due();
  Result<SnapshotManifest> Snapshot();
  void Trim(LogConnection* conn);

  std::shared_ptr<Log> log_;
  Mutex backup_mu_;  // one user of backup_ at a time
  std::unique_ptr<BackupStore> backup_ PT_GUARDED_BY(backup_mu_);
  RocksStore* store_;
  ClusterAgent* agent_;
  Metrics* metrics_;
  ServerOptions opts_;
  std::unique_ptr<LogConnection> conn_;
  std::optional<SnapshotManifest> latest_;  // owned by the snapshotter thread
  uint32_t rounds_since_listing_ = 0;       // owned by the snapshotter thread
  std::chrono::steady_clock::time_point last_snapshot_time_;

  Worker worker_{"walfs-snapshot"};
  std::deque<Done> demand_ GUARDED_BY(worker_.mu());
};

}  // namespace walfs
