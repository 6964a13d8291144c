// ServerNode: one walfs server process's parts, wired together.
//
// Opens the log, the backup store (restoring a snapshot first if the store
// cannot continue from the log) and the store; owns the replica's actors
// (waiters, applier, proposer) and the ops workers (metrics, cluster agent,
// snapshotter); starts and stops them in order. Front ends reach it only
// through NodePort.
// Thread-safety: NodePort's methods are safe from any thread after Open.
#pragma once

#include <memory>

#include "log/log.h"
#include "node/node_port.h"
#include "ops/cluster_agent.h"
#include "ops/metrics.h"
#include "ops/snapshotter.h"
#include "replica/applier.h"
#include "replica/options.h"
#include "replica/proposer.h"
#include "replica/waiters.h"
#include "store/rocks_store.h"

namespace walfs {

class ServerNode final : public NodePort {
 public:
  // metrics: the registry this node's metrics go to, labelled with its
  // volume when the replica serves several (null: its own, unlabelled).
  static Result<std::unique_ptr<ServerNode>> Open(
      const ServerOptions& opts, std::shared_ptr<prometheus::Registry> metrics = nullptr);
  ~ServerNode() override;
  void Stop();

  const ServerOptions& options() const override { return opts_; }
  const std::string& log_description() const override { return log_desc_; }
  std::shared_ptr<const StoreReader> ReadSnapshot() override { return store_->Snapshot(); }
  uint32_t block_bytes() const override { return block_bytes_; }
  bool Propose(std::string entry, PositionDone done) override {
    return proposer_->Submit(std::move(entry), std::move(done));
  }
  bool AskTail(PositionDone done) override { return proposer_->SubmitTail(std::move(done)); }
  Position applied() const override { return waiters_->applied(); }
  uint64_t OnApplied(Position p, std::function<void()> cb) override {
    return waiters_->Register(p, std::move(cb));
  }
  void CancelWait(uint64_t id) override { waiters_->Cancel(id); }
  Status stopped() const override { return waiters_->stopped(); }
  std::optional<Outcome> TakeOutcome(Position p) override { return waiters_->TakeOutcome(p); }
  NodeState State() const override;
  ClusterView Cluster() const override { return agent_->view(); }
  Result<std::vector<SnapshotManifest>> ListSnapshots() override;
  void RequestSnapshot(SnapshotDone done) override;
  Metrics& metrics() override { return *metrics_; }

 private:
  explicit ServerNode(ServerOptions opts) : opts_(std::move(opts)) {}
  ServerOptions opts_;
  std::shared_ptr<Log> log_;
  std::string log_desc_;
  std::unique_ptr<RocksStore> store_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Waiters> waiters_;
  std::unique_ptr<Applier> applier_;
  std::unique_ptr<Proposer> proposer_;
  std::unique_ptr<ClusterAgent> agent_;
  std::unique_ptr<Snapshotter> snapshotter_;  // null without --backup
  uint32_t block_bytes_ = kDefaultBlockBytes;
};

}  // namespace walfs
