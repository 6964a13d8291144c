#include "volume/volume_set.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "ops/cluster_agent.h"
#include "schema/fs_view.h"

namespace walfs {
namespace {

std::string Beneath(std::string url, const std::string& name) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url + "/volumes/" + name;
}

// A log this process can watch for another's heartbeats: not one kept in
// this process (memory) or under its own directory (local).
bool Shared(const std::string& url) {
  return url.rfind("redis", 0) == 0 || url.rfind("nats", 0) == 0;
}

}  // namespace

ServerOptions VolumeSet::VolumeOptions(const ServerOptions& o, const VolumeMap& map,
                                       const Volume& v) {
  ServerOptions r = o;
  r.volume = v.name;
  r.volume_map = map.Fingerprint();
  r.log_url = v.log_url;
  if (v.name != kRootVolume) {
    r.data_dir = Beneath(o.data_dir, v.name);
    if (!o.backup_url.empty()) r.backup_url = Beneath(o.backup_url, v.name);
  }
  return r;
}

Result<std::unique_ptr<VolumeSet>> VolumeSet::Open(const ServerOptions& opts) {
  auto map = VolumeMap::Parse(opts.log_url, opts.volumes);
  if (!map.ok()) return map.status();
  std::unique_ptr<VolumeSet> s(new VolumeSet());
  s->map_ = std::move(map).value();
  s->opts_ = opts;
  // One registry for every volume's metrics, each labelled with its volume;
  // a cluster of one volume keeps its metrics unlabelled.
  if (s->map_.volumes().size() > 1) s->registry_ = std::make_shared<prometheus::Registry>();
  for (const auto& name : opts.serve_volumes) {
    if (s->map_.Find(name) == nullptr) {
      return Status(Code::kBadRequest, "--serve-volumes names " + name +
                                           ", which no --volume defines (and is not root)");
    }
  }
  auto serves = [&](const std::string& name) {
    return opts.serve_volumes.empty() ||
           std::find(opts.serve_volumes.begin(), opts.serve_volumes.end(), name) !=
               opts.serve_volumes.end();
  };
  for (const auto& v : s->map_.volumes()) {
    if (!serves(v.name)) {
      if (Shared(v.log_url)) {
        auto log = OpenLog(v.log_url, opts.data_dir, opts.log);
        if (!log.ok()) return log.status();
        s->unserved_.emplace_back(v.name, *log);
      }
      continue;
    }
    auto node = ServerNode::Open(VolumeOptions(opts, s->map_, v), s->registry_);
    if (!node.ok()) {
      if (v.name == kRootVolume) return node.status();
      return Status(node.status().code(), "volume " + v.name + ": " + node.status().message());
    }
    s->nodes_.emplace_back(v.name, std::move(node).value());
  }
  if (s->nodes_.empty()) return Status(Code::kBadRequest, "--serve-volumes serves no volume");
  WALFS_RETURN_IF_ERROR(s->CheckPrefixesFree());
  if (!s->unserved_.empty()) {
    VolumeSet* self = s.get();
    s->watcher_.Start([self] { self->WatchPeers(); });
  }
  return s;
}

Status VolumeSet::CheckPrefixesFree() const {
  NodePort* root = Node(kRootVolume);
  if (root == nullptr || map_.volumes().size() == 1) return Status::Ok();
  auto snap = root->ReadSnapshot();
  FsView view(snap.get(), root->block_bytes());
  for (const auto& v : map_.volumes()) {
    if (v.name == kRootVolume) continue;
    auto n = view.Lookup(v.prefix);
    if (n.ok() && n->has_value()) {
      return Status(Code::kBadRequest,
                    "volume " + v.name + "'s prefix " + v.prefix +
                        " holds files in volume root, which the volume would hide: copy them "
                        "out and delete them from root first, or give the volume a new prefix");
    }
  }
  return Status::Ok();
}

VolumeSet::~VolumeSet() { Stop(); }

void VolumeSet::Stop() {
  watcher_.Stop();
  for (auto& [name, node] : nodes_) node->Stop();
}

NodePort* VolumeSet::Node(std::string_view volume) const {
  for (const auto& [name, node] : nodes_) {
    if (name == volume) return node.get();
  }
  return nullptr;
}

std::vector<std::pair<std::string, NodePort*>> VolumeSet::served() const {
  std::vector<std::pair<std::string, NodePort*>> out;
  for (const auto& [name, node] : nodes_) out.emplace_back(name, node.get());
  return out;
}

std::vector<std::string> VolumeSet::PeersOf(std::string_view volume) const {
  MutexLock l(&mu_);
  auto it = peers_.find(volume);
  return it == peers_.end() ? std::vector<std::string>() : it->second;
}

void VolumeSet::WatchPeers() {
  std::map<std::string, std::unique_ptr<LogConnection>> conns;
  const auto interval = std::chrono::milliseconds(opts_.heartbeat_interval_ms);
  do {
    for (const auto& [name, log] : unserved_) {
      auto& conn = conns[name];
      if (!conn) {
        auto c = log->Connect();
        if (!c.ok()) continue;
        conn = std::move(c).value();
      }
      auto beats = conn->Heartbeats();
      if (!beats.ok()) {
        spdlog::debug("volume {}: cannot read its replicas: {}", name, beats.status().message());
        conn.reset();  // made again next round
        continue;
      }
      std::vector<std::string> live;
      for (const auto& b : *beats) {
        auto r = ParseHeartbeat(b);
        // A replica whose applier stopped serves no reads or writes of it.
        if (r && r->stopped.empty() && !r->address.empty()) live.push_back(r->address);
      }
      std::sort(live.begin(), live.end());
      MutexLock l(&mu_);
      peers_[name] = std::move(live);
    }
  } while (watcher_.Sleep(interval));
}

}  // namespace walfs
