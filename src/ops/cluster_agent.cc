#include "ops/cluster_agent.h"

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "core/hash.h"
#include "runtime/wall_clock.h"
#include "sm/state_machine.h"
#include "version/build_info.h"

namespace walfs {

using nlohmann::json;

std::optional<ReplicaInfo> ParseHeartbeat(const std::string& s) {
  json j = json::parse(s, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  ReplicaInfo r;
  r.id = j.value("id", "");
  r.address = j.value("address", "");
  auto p = Position::Parse(j.value("applied", ""));
  if (r.id.empty() || !p) return std::nullopt;
  r.applied = *p;
  r.digest = j.value("digest", "");
  r.entries = j.value("entries", uint64_t{0});
  r.time_ms = j.value("time_ms", uint64_t{0});
  r.stopped = j.value("stopped", "");
  r.volume_map = j.value("volume_map", "");
  r.version = j.value("version", "");
  r.commit = j.value("commit", "");
  r.entry_format = j.value("entry_format", uint32_t{0});
  return r;
}

Status PublishHeartbeat(LogConnection* conn, const ServerOptions& opts, const ReplicaInfo& r) {
  json hb = {{"id", r.id},         {"address", r.address}, {"applied", r.applied.ToString()},
             {"digest", r.digest}, {"entries", r.entries}, {"time_ms", r.time_ms}};
  if (!r.stopped.empty()) hb["stopped"] = r.stopped;
  if (!opts.volume_map.empty()) hb["volume_map"] = opts.volume_map;
  BuildInfo build = ThisBuild();
  hb["version"] = build.version;
  hb["commit"] = build.commit;
  hb["entry_format"] = build.entry_format;
  return conn->PutHeartbeat(r.id, hb.dump(),
                            opts.heartbeat_ttl_intervals * opts.heartbeat_interval_ms);
}

Status CheckPeersVolumeMap(LogConnection* conn, const ServerOptions& opts) {
  auto beats = conn->Heartbeats();
  if (!beats.ok()) return Status::Ok();  // the log is not reachable now: the agent says so
  auto shown = [](const std::string& f) { return f.empty() ? std::string("root only") : f; };
  for (const auto& b : *beats) {
    auto r = ParseHeartbeat(b);
    if (!r || r->id == opts.replica_id || r->volume_map == opts.volume_map) continue;
    return Status(Code::kBadRequest,
                  "replica " + r->id + " (" + r->address + ") on the log of volume " + opts.volume +
                      " was given the volumes '" + shown(r->volume_map) + "' and this one '" +
                      shown(opts.volume_map) +
                      "': every replica of a cluster is given the same --volume flags");
  }
  return Status::Ok();
}

ClusterAgent::ClusterAgent(std::shared_ptr<Log> log, RocksStore* store, Waiters* waiters,
                           Metrics* metrics, const ServerOptions& opts, HealthFn health,
                           PruneFn prune_events)
    : log_(std::move(log)),
      store_(store),
      waiters_(waiters),
      metrics_(metrics),
      opts_(opts),
      health_(std::move(health)),
      prune_events_(std::move(prune_events)) {}

ClusterAgent::~ClusterAgent() { Stop(); }

void ClusterAgent::Start() {
  worker_.Start([this] { Run(); });
}

void ClusterAgent::Stop() { worker_.Stop(); }

ClusterView ClusterAgent::view() const {
  MutexLock lock(&mu_);
  return view_;
}

std::vector<Position> ClusterAgent::TrimHolds() const {
  MutexLock lock(&mu_);
  std::vector<Position> out;
  for (const auto& [id, h] : held_) out.push_back(h.applied);
  return out;
}

Status ClusterAgent::diverged() const {
  MutexLock lock(&mu_);
  return diverged_;
}

Status ClusterAgent::FindDivergence(const std::string& self, std::vector<ReplicaInfo>* replicas) {
  std::map<Position, std::map<std::string, int>> digests;  // position -> digest -> replicas
  for (const auto& r : *replicas) ++digests[r.applied][r.digest];
  Status mine = Status::Ok();
  for (auto& r : *replicas) {
    const auto& at = digests[r.applied];
    if (at.size() < 2) continue;
    int total = 0;
    for (const auto& [d, n] : at) total += n;
    r.diverged = 2 * at.at(r.digest) <= total;  // not a strict majority
    if (r.diverged && r.id == self) {
      std::string others;
      for (const auto& [d, n] : at) {
        if (d != r.digest)
          others += (others.empty() ? "" : ", ") + d + " (" + std::to_string(n) + ")";
      }
      mine =
          Status(Code::kCorruption, "diverged: digest " + r.digest + " at " + r.applied.ToString() +
                                        " but other replicas there have " + others);
    }
  }
  return mine;
}

// The change events of entries the log no longer holds go (a watch from
// before the log's first entry is 410 anyway): once the log's first entry
// has moved, the applier is asked to prune below its predecessor.
void ClusterAgent::PruneJournal(const LogTail& tail) {
  if (tail.length == 0 || tail.first == journal_pruned_to_) return;
  auto first = conn_->Read(Position{}, 1, std::chrono::milliseconds(0));
  if (!first.ok() || first->empty()) return;
  prune_events_((*first)[0].prev);
  journal_pruned_to_ = tail.first;
}

void ClusterAgent::Refresh() {
  MutexLock refresh(&refresh_mu_);
  ClusterView v;
  v.self = opts_.replica_id;
  v.refreshed_ms = WallClockMs();
  auto snap = store_->Snapshot();
  auto state = LoadApplyState(*snap);
  auto usage = LoadUsage(*snap);
  if (!state.ok() || !usage.ok()) return;
  ReplicaInfo me{opts_.replica_id, opts_.advertise, state->applied, ToHex(state->digest),
                 state->entries,   v.refreshed_ms,  health_(),      false,
                 opts_.volume_map};
  BuildInfo build = ThisBuild();
  me.version = build.version;
  me.commit = build.commit;
  me.entry_format = build.entry_format;
  // An unreachable log shows in the view from the first refresh on (the
  // view holds this replica and the error), not as an empty, healthy view.
  Status connected = Status::Ok();
  if (!conn_) {
    auto c = log_->Connect();
    if (c.ok()) {
      conn_ = std::move(c).value();
    } else {
      connected = c.status();
    }
  }
  Result<LogTail> tail = connected.ok() ? conn_->Tail() : Result<LogTail>(connected);
  Status st = tail.ok() ? PublishHeartbeat(conn_.get(), opts_, me) : tail.status();
  auto beats = st.ok() ? conn_->Heartbeats() : Result<std::vector<std::string>>(st);
  if (tail.ok()) {
    PruneJournal(*tail);
    v.log = *tail;
    auto bytes = conn_->Bytes();
    if (bytes.ok()) {
      v.log_bytes = *bytes;
      metrics_->SetLogBytes(*bytes);
    }
  }
  v.log_status = beats.status();
  if (!beats.ok()) {
    metrics_->LogError("cluster");
    v.replicas.push_back(me);  // at least this replica
  } else {
    for (const auto& b : *beats) {
      if (auto r = ParseHeartbeat(b)) v.replicas.push_back(*r);
    }
    if (std::none_of(v.replicas.begin(), v.replicas.end(),
                     [&](auto& r) { return r.id == me.id; })) {
      v.replicas.push_back(me);
    }
  }
  std::sort(v.replicas.begin(), v.replicas.end(), [](auto& a, auto& b) { return a.id < b.id; });
  Status div = FindDivergence(me.id, &v.replicas);
  // A replica passing through a position can make a momentary tie there;
  // only a split seen in several consecutive rounds is reported.
  suspect_rounds_ = div.ok() ? 0 : suspect_rounds_ + 1;
  if (suspect_rounds_ < kRoundsToDiverge) div = Status::Ok();
  if (!div.ok() && diverged().ok()) spdlog::error("{}", div.message());
  uint64_t lag_entries = v.log.entries_added > me.entries ? v.log.entries_added - me.entries : 0;
  uint64_t lag_ms = LagMs(me.applied, v.log.last, v.log.first);
  metrics_->SetApplied(me.entries, lag_entries, lag_ms);
  metrics_->SetStored(*usage);
  metrics_->SetDiverged(!div.ok());
  MutexLock lock(&mu_);
  // A heartbeat that lapsed leaves the view at once but holds the trim
  // point a while longer; when the heartbeats could not be read, every
  // replica remembered stays as it was.
  auto now = std::chrono::steady_clock::now();
  for (const auto& r : v.replicas) held_[r.id] = Held{r.applied, now};
  std::erase_if(held_, [&](const auto& kv) {
    return now - kv.second.seen > std::chrono::milliseconds(opts_.trim_hold_ms);
  });
  view_ = std::move(v);
  diverged_ = div;
}

void ClusterAgent::Run() {
  do {
    Refresh();
  } while (worker_.Sleep(std::chrono::milliseconds(opts_.heartbeat_interval_ms)));
}

}  // namespace walfs
