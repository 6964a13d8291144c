// Replica: one walfs replica's parts, wired together.
//
// Owns the store, the log, the waiters, the applier and the proposer, and
// starts and stops them in order. The HTTP layer talks to a Replica.
// Thread-safety: accessors are safe from any thread after Open.
#pragma once

#include <memory>

#include "log/log.h"
#include "ops/cluster_agent.h"
#include "ops/metrics.h"
#include "ops/snapshotter.h"
#include "replica/applier.h"
#include "replica/options.h"
#include "replica/proposer.h"
#include "replica/waiters.h"
#include "store/rocks_store.h"

namespace walfs {

class Replica {
 public:
  static Result<std::unique_ptr<Replica>> Open(const ServerOptions& opts);
  ~Replica();
  void Stop();

  const ServerOptions& options() const { return opts_; }
  RocksStore& store() { return *store_; }
  Waiters& waiters() { return *waiters_; }
  Proposer& proposer() { return *proposer_; }
  ApplierHealth health() const { return applier_->health(); }
  Metrics& metrics() { return *metrics_; }
  ClusterAgent& cluster() { return *agent_; }
  // Null without --backup.
  Snapshotter* snapshotter() { return snapshotter_.get(); }
  uint32_t block_bytes() const { return block_bytes_; }
  const std::string& log_description() const { return log_desc_; }

 private:
  explicit Replica(ServerOptions opts) : opts_(std::move(opts)) {}
  ServerOptions opts_;
  std::shared_ptr<Log> log_;
  std::string log_desc_;
  std::unique_ptr<RocksStore> store_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Waiters> waiters_;
  std::unique_ptr<Applier> applier_;
  std::unique_ptr<Proposer> proposer_;
  std::unique_ptr<ClusterAgent> agent_;
  std::unique_ptr<Snapshotter> snapshotter_;
  uint32_t block_bytes_ = kDefaultBlockBytes;
};

}  // namespace walfs
