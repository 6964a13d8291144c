// ClusterAgent: heartbeats, the cluster view and divergence detection.
//
// One thread with its own log connection. Every heartbeat interval it reads
// the log's tail, publishes this replica's heartbeat (id, address, applied
// position, digest, entry count, wall time) beside the log with a TTL,
// reads every live heartbeat, and rebuilds the view that GET /v1/cluster
// shows. Two replicas at the same applied position with different digests
// have diverged: the side whose digest is not held by a strict majority of
// the replicas at that position is marked diverged in the view, and a
// replica that finds itself so in 3 consecutive rounds reports it in
// /readyz, the metrics and its log (a replica passing through a position
// can make a momentary tie). Replicas are compared only when they are at the
// same position, which under steady writes is rare: divergence shows when
// the writes pause.
// It also remembers the position each replica last announced for
// --trim-hold-ms after its heartbeat lapsed: the trim point stays below a
// replica that stalls or restarts (TrimHolds()).
// Thread-safety: view(), diverged() and TrimHolds() from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "log/log.h"
#include "ops/metrics.h"
#include "replica/options.h"
#include "replica/waiters.h"
#include "runtime/worker.h"
#include "store/rocks_store.h"

namespace walfs {

struct ReplicaInfo {
  std::string id;
  std::string address;
  Position applied;
  std::string digest;  // hex
  uint64_t entries = 0;
  uint64_t time_ms = 0;  // the replica's wall clock when it published
  std::string stopped;   // why its applier stopped, if it did
  bool diverged = false;
  std::string volume_map;  // VolumeMap::Fingerprint() it was given ("" for one volume)
  // Its build (version/build_info.h; a heartbeat always carries the
  // publishing process's own); empty and 0 from builds before they were
  // published.
  std::string version{};
  std::string commit{};
  uint32_t entry_format = 0;
};

struct ClusterView {
  std::string self;
  LogTail log;
  std::optional<uint64_t> log_bytes;  // what the log holds, where it can tell
  Status log_status;
  std::vector<ReplicaInfo> replicas;  // sorted by id
  uint64_t refreshed_ms = 0;          // this replica's wall clock
};

// Publishes r as this replica's heartbeat, live for the configured TTL. The
// lease holder trims the log only below the applied position of every live
// heartbeat (unless the log is over its size or age limits), so a replica
// publishes one before it checks that the log still follows its store.
Status PublishHeartbeat(LogConnection* conn, const ServerOptions& opts, const ReplicaInfo& r);
// kBadRequest if a live replica (other than this one) on conn's log was
// given another volume map than opts.volume_map: every replica of a cluster
// is given the same --volume flags (scale-out.md).
Status CheckPeersVolumeMap(LogConnection* conn, const ServerOptions& opts);
// A heartbeat as published; nullopt if it is not one.
std::optional<ReplicaInfo> ParseHeartbeat(const std::string& s);

class ClusterAgent {
 public:
  using HealthFn = std::function<std::string()>;  // why the applier stopped, or ""
  // Asks the applier to prune the change events of entries at or below a
  // position (Applier::PruneEventsBelow).
  using PruneFn = std::function<void(Position)>;
  ClusterAgent(std::shared_ptr<Log> log, RocksStore* store, Waiters* waiters, Metrics* metrics,
               const ServerOptions& opts, HealthFn health, PruneFn prune_events);
  ~ClusterAgent();
  void Start();
  void Stop();

  ClusterView view() const;
  // Non-ok while this replica is on the minority side of a digest split.
  Status diverged() const;
  // The applied position of every replica seen live within
  // --trim-hold-ms (this one included), as last announced: the log is
  // trimmed no higher than the lowest (unless over its limits).
  std::vector<Position> TrimHolds() const;
  // Runs one round now (tests, and the first round at start).
  void Refresh();

  // Marks divergence in replicas (pure; exposed for tests).
  static Status FindDivergence(const std::string& self, std::vector<ReplicaInfo>* replicas);

 private:
  void Run();

  std::shared_ptr<Log> log_;
  RocksStore* store_;
  Waiters* waiters_;
  Metrics* metrics_;
  ServerOptions opts_;
  HealthFn health_;
  PruneFn prune_events_;
  Mutex refresh_mu_;  // one Refresh at a time
  void PruneJournal(const LogTail& tail) REQUIRES(refresh_mu_);
  Position journal_pruned_to_ GUARDED_BY(refresh_mu_);  // the log's first entry when last asked
  std::unique_ptr<LogConnection> conn_ GUARDED_BY(refresh_mu_);
  static constexpr int kRoundsToDiverge = 3;
  int suspect_rounds_ GUARDED_BY(refresh_mu_) = 0;

  mutable Mutex mu_;
  ClusterView view_ GUARDED_BY(mu_);
  struct Held {
    Position applied;
    std::chrono::steady_clock::time_point seen;
  };
  std::map<std::string, Held> held_ GUARDED_BY(mu_);  // replica id -> last announcement
  Status diverged_ GUARDED_BY(mu_);
  Worker worker_{"walfs-cluster"};
};

}  // namespace walfs
