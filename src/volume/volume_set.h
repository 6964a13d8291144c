// VolumeSet: the nodes of one replica, one per volume it serves
// (scale-out.md, "Volumes"), and what it knows of the volumes it does not.
//
// Each served volume is a ServerNode of its own: its own log, store
// directory (root: --data; another: --data/volumes/NAME), applier, applied
// position, digest, heartbeats and snapshots (root: --backup; another:
// --backup/volumes/NAME). Before a volume's node opens, the live
// heartbeats on its log are read: a replica that was given another volume
// map (VolumeMap::Fingerprint) makes this one refuse to start. For each
// volume it does not serve, one thread reads the heartbeats on that
// volume's log every heartbeat interval: the replicas that serve it, where
// a request for it is redirected.
// Thread-safety: the accessors from any thread after Open.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/registry.h>

#include "node/server_node.h"
#include "runtime/mutex.h"
#include "runtime/worker.h"
#include "volume/volume_map.h"

namespace walfs {

class VolumeSet {
 public:
  static Result<std::unique_ptr<VolumeSet>> Open(const ServerOptions& opts);
  ~VolumeSet();
  void Stop();

  const VolumeMap& map() const { return map_; }
  // The node of a volume served here; null if not served.
  NodePort* Node(std::string_view volume) const;
  // Root's node if served here, else the first served: the one that
  // answers requests about no path (health, metrics, snapshots).
  NodePort* primary() const { return nodes_.front().second.get(); }
  // Served volumes, in the map's order.
  std::vector<std::pair<std::string, NodePort*>> served() const;
  // The addresses of live replicas that serve a volume not served here,
  // as their heartbeats last said (empty: none known).
  std::vector<std::string> PeersOf(std::string_view volume) const EXCLUDES(mu_);

  // The options of one volume's node, derived from the replica's.
  static ServerOptions VolumeOptions(const ServerOptions& o, const VolumeMap& map, const Volume& v);

 private:
  VolumeSet() : watcher_("walfs-peers") {}
  // kBadRequest if root's store holds a volume's prefix: its files would be
  // hidden behind the volume (checked where root is served).
  Status CheckPrefixesFree() const;
  void WatchPeers();

  VolumeMap map_;
  ServerOptions opts_;
  std::shared_ptr<prometheus::Registry> registry_;  // null for one volume
  std::vector<std::pair<std::string, std::unique_ptr<ServerNode>>> nodes_;
  std::vector<std::pair<std::string, std::shared_ptr<Log>>> unserved_;  // name, log
  mutable Mutex mu_;
  std::map<std::string, std::vector<std::string>, std::less<>> peers_ GUARDED_BY(mu_);
  Worker watcher_;
};

}  // namespace walfs
