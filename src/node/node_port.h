// NodePort: what a front end (the HTTP API today; the S3 endpoint and the
// mount next) asks of the node behind it, as operations: read the store at
// an applied position, hand an entry to the log, wait for a position, say
// how the node is. A front end never reaches the node's parts (store,
// applier, proposer, waiters, cluster agent, snapshotter) itself.
// Thread-safety: every method is safe from any thread; callbacks run on
// the node's threads and must only post work elsewhere.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backup/snapshot.h"
#include "ops/cluster_agent.h"
#include "ops/metrics.h"
#include "replica/applier.h"
#include "replica/options.h"
#include "schema/store_view.h"
#include "sm/outcome.h"

namespace walfs {

// What /readyz, X-Walfs-Stale and the write path's refusals report.
struct NodeState {
  ApplierHealth applier;  // applied, the log's tail, lag; why stopped or paused
  std::string digest;     // the chain at the applied position
  Status diverged;        // non-ok on the minority side of a digest split
};

class NodePort {
 public:
  using PositionDone = std::function<void(Result<Position>)>;
  using SnapshotDone = std::function<void(Result<SnapshotManifest>)>;

  virtual ~NodePort() = default;
  virtual const ServerOptions& options() const = 0;
  // The log, for people: "redis://host:6379 stream walfs", "local ...".
  virtual const std::string& log_description() const = 0;

  // Reads: the store as of one applied position, and its block size.
  virtual std::shared_ptr<const StoreReader> ReadSnapshot() = 0;
  virtual uint32_t block_bytes() const = 0;

  // Writes. Propose hands an encoded entry to the log; AskTail asks the
  // log's last position (strong reads). done runs once with the position
  // or why not. False, and done not called: too many are waiting.
  virtual bool Propose(std::string entry, PositionDone done) = 0;
  virtual bool AskTail(PositionDone done) = 0;

  // The applied position. OnApplied runs cb once p is applied here or the
  // applier stops (at once, on this thread, if so already: returns 0);
  // otherwise returns an id for CancelWait, which is safe after cb ran.
  virtual Position applied() const = 0;
  virtual uint64_t OnApplied(Position p, std::function<void()> cb) = 0;
  virtual void CancelWait(uint64_t id) = 0;
  // Why this replica does not apply now (ok while it does).
  virtual Status stopped() const = 0;
  // The outcome of the entry applied at p, if still kept.
  virtual std::optional<Outcome> TakeOutcome(Position p) = 0;

  virtual NodeState State() const = 0;
  virtual ClusterView Cluster() const = 0;

  // Snapshots: kNotFound when the node has no backup store.
  virtual Result<std::vector<SnapshotManifest>> ListSnapshots() = 0;
  virtual void RequestSnapshot(SnapshotDone done) = 0;

  virtual Metrics& metrics() = 0;
};

}  // namespace walfs
