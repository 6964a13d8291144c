#include "node/server_node.h"

#include <spdlog/spdlog.h>

#include "ops/bootstrap.h"
#include "schema/fs_view.h"

namespace walfs {

Result<std::unique_ptr<ServerNode>> ServerNode::Open(
    const ServerOptions& opts, std::shared_ptr<prometheus::Registry> metrics) {
  std::unique_ptr<ServerNode> r(new ServerNode(opts));
  auto log = OpenLog(opts.log_url, opts.data_dir, opts.log);
  if (!log.ok()) return log.status();
  r->log_ = *log;
  r->log_desc_ = r->log_->Describe();
  if (auto c = r->log_->Connect(); c.ok()) {
    WALFS_RETURN_IF_ERROR(CheckPeersVolumeMap(c->get(), opts));
    // A write of more than one entry's worth is staged in chunks: entries
    // are kept to what the log takes (NATS's max_payload is 1 MB unless set).
    uint64_t max = (*c)->EntryBytesMax();
    if (max != 0 && r->opts_.entry_bytes_max > max) {
      spdlog::warn("entries are kept to {} bytes, what the log takes (--max-entry-bytes was {})",
                   max, r->opts_.entry_bytes_max);
      r->opts_.entry_bytes_max = max;
    }
  }
  std::unique_ptr<BackupStore> backup;
  if (!opts.backup_url.empty()) {
    auto b = OpenBackupStore(opts.backup_url, opts.s3);
    if (!b.ok()) return b.status();
    backup = std::move(b).value();
  }
  auto boot = BootstrapIfNeeded(opts, *r->log_, backup.get());
  if (!boot.ok()) return boot.status();
  if (!boot->empty()) spdlog::warn("{}", *boot);
  auto store = RocksStore::Open(opts.data_dir + "/store");
  if (!store.ok()) return store.status();
  r->store_ = std::move(store).value();
  r->metrics_ = metrics ? std::make_unique<Metrics>(std::move(metrics), opts.volume)
                        : std::make_unique<Metrics>();
  r->waiters_ = std::make_unique<Waiters>(opts.outcomes_kept_max);
  r->applier_ = std::make_unique<Applier>(r->store_.get(), r->log_, r->waiters_.get(),
                                          r->metrics_.get(), opts);
  WALFS_RETURN_IF_ERROR(r->applier_->Init());
  auto bs = LoadBlockBytes(r->store_->live());
  if (!bs.ok()) return bs.status();
  r->block_bytes_ = *bs;
  r->proposer_ = std::make_unique<Proposer>(r->log_, opts);
  Applier* applier = r->applier_.get();
  r->agent_ = std::make_unique<ClusterAgent>(
      r->log_, r->store_.get(), r->waiters_.get(), r->metrics_.get(), opts,
      [applier] {
        ApplierHealth h = applier->health();
        if (!h.stopped.ok()) return h.stopped.message();
        return h.paused.ok() ? std::string() : "paused: " + h.paused.message();
      },
      [applier](Position below) { applier->PruneEventsBelow(below); });
  // Announce this replica, with its lag, before it starts catching up.
  r->agent_->Refresh();
  if (backup) {
    r->snapshotter_ = std::make_unique<Snapshotter>(r->log_, std::move(backup), r->store_.get(),
                                                    r->agent_.get(), r->metrics_.get(), opts);
  }
  r->applier_->Start();
  r->proposer_->Start();
  r->agent_->Start();
  if (r->snapshotter_) r->snapshotter_->Start();
  spdlog::info("replica {} on log {}, store {}/store, applied {}", opts.replica_id, r->log_desc_,
               opts.data_dir, r->waiters_->applied().ToString());
  return r;
}

void ServerNode::Stop() {
  if (snapshotter_) snapshotter_->Stop();
  if (agent_) agent_->Stop();
  if (proposer_) proposer_->Stop();
  if (applier_) applier_->Stop();
}

ServerNode::~ServerNode() { Stop(); }

NodeState ServerNode::State() const {
  return NodeState{applier_->health(), waiters_->digest(), agent_->diverged()};
}

namespace {
Status NoBackup() {
  return Status(Code::kNotFound, "no backup store is configured (walfs serve --backup URL)");
}
}  // namespace

Result<std::vector<SnapshotManifest>> ServerNode::ListSnapshots() {
  if (!snapshotter_) return NoBackup();
  return snapshotter_->Snapshots();
}

void ServerNode::RequestSnapshot(SnapshotDone done) {
  if (!snapshotter_) {
    done(NoBackup());
    return;
  }
  snapshotter_->RequestSnapshot(std::move(done));
}

}  // namespace walfs
