#include "ops/snapshotter.h"

#include <spdlog/spdlog.h>

#include "sm/state_machine.h"

namespace walfs {

namespace {
Position Next(Position p) { return Position{p.ms, p.seq + 1}; }
constexpr const char* kLease = "maintenance";
}  // namespace

std::optional<Position> TrimPoint(const LogTail& tail, Position snapshot,
                                  const std::vector<Position>& holds, const TrimPolicy& p) {
  if (snapshot.IsZero() || tail.length == 0) return std::nullopt;
  Position point = std::min(Next(snapshot), tail.last);
  bool over = tail.length > p.log_entries_max ||
              (tail.last.ms > tail.first.ms && tail.last.ms - tail.first.ms > p.log_age_ms_max);
  if (!over && !holds.empty()) {
    Position slowest = *std::min_element(holds.begin(), holds.end());
    point = std::min(point, Next(slowest));
  }
  if (point <= tail.first) return std::nullopt;
  return point;
}

Snapshotter::Snapshotter(std::shared_ptr<Log> log, std::unique_ptr<BackupStore> backup,
                         RocksStore* store, ClusterAgent* agent, Metrics* metrics,
                         const ServerOptions& opts)
    : log_(std::move(log)),
      backup_(std::move(backup)),
      store_(store),
      agent_(agent),
      metrics_(metrics),
      opts_(opts),
      last_snapshot_time_(std::chrono::steady_clock::now()) {}

Snapshotter::~Snapshotter() { Stop(); }

void Snapshotter::Start() {
  worker_.Start([this] { Run(); });
}

void Snapshotter::Stop() {
  worker_.Stop();
  std::deque<Done> left;
  {
    MutexLock lock(&worker_.mu());
    left.swap(demand_);
  }
  for (auto& d : left) d(Status(Code::kNotReady, "the server is shutting down"));
}

void Snapshotter::RequestSnapshot(Done done) {
  {
    MutexLock lock(&worker_.mu());
    if (!worker_.stopping()) {
      demand_.push_back(std::move(done));
      done = nullptr;
    }
  }
  if (done) {
    done(Status(Code::kNotReady, "the server is shutting down"));
    return;
  }
  worker_.Notify();
}

Result<std::vector<SnapshotManifest>> Snapshotter::Snapshots() {
  MutexLock lock(&backup_mu_);
  return ListSnapshots(*backup_);
}

Result<SnapshotManifest> Snapshotter::Snapshot() {
  auto started = std::chrono::steady_clock::now();
  Result<SnapshotManifest> m = Status(Code::kInternal, "not run");
  std::string where;
  {
    MutexLock lock(&backup_mu_);
    where = backup_->Describe();
    m = TakeSnapshot(*store_, *backup_, opts_.data_dir + "/tmp", opts_.replica_id);
    if (m.ok()) {
      Status p = PruneSnapshots(*backup_, opts_.snapshots_keep);
      if (!p.ok()) spdlog::warn("pruning old snapshots: {}", p.message());
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_->ObserveSnapshot(m.ok(), secs, m.ok() ? m->total_bytes : 0);
  last_snapshot_time_ = std::chrono::steady_clock::now();
  if (!m.ok()) {
    spdlog::error("snapshot failed: {}", m.status().message());
    return m;
  }
  spdlog::info("snapshot {} at {} ({} bytes, {:.2f} s) in {}", m->id, m->position.ToString(),
               m->total_bytes, secs, where);
  if (!latest_ || latest_->position < m->position) latest_ = *m;
  return m;
}

bool Snapshotter::Due() {
  uint64_t since = latest_ ? latest_->entries : 0;
  auto state = LoadApplyState(store_->live());
  if (!state.ok() || state->entries <= since) return false;
  if (opts_.snapshot_every_entries > 0 && state->entries - since >= opts_.snapshot_every_entries)
    return true;
  uint64_t bytes_since = latest_ ? latest_->log_bytes : 0;
  if (opts_.snapshot_every_bytes > 0 && state->log_bytes >= bytes_since &&
      state->log_bytes - bytes_since >= opts_.snapshot_every_bytes) {
    return true;
  }
  auto elapsed = std::chrono::steady_clock::now() - last_snapshot_time_;
  return opts_.snapshot_every_ms > 0 &&
         elapsed >= std::chrono::milliseconds(opts_.snapshot_every_ms);
}

void Snapshotter::Trim(LogConnection* conn) {
  if (!latest_ || !opts_.trim) return;
  auto tail = conn->Tail();
  if (!tail.ok()) return;
  // The heartbeats as they are now, not as of the last round: a replica
  // that has just restored a snapshot announces itself before it reads.
  // Replicas whose heartbeat lapsed within --trim-hold-ms hold it too, and
  // without the heartbeats (the log answered the tail but not them) the
  // holder does not trim at all.
  agent_->Refresh();
  if (!agent_->view().log_status.ok()) return;
  TrimPolicy policy{opts_.trim_log_entries_max, opts_.trim_log_age_ms_max};
  auto point = TrimPoint(*tail, latest_->position, agent_->TrimHolds(), policy);
  if (!point) return;
  Status st = conn->Trim(*point);
  if (!st.ok()) {
    metrics_->LogError("snapshotter");
    spdlog::warn("trimming the log below {}: {}", point->ToString(), st.message());
    return;
  }
  auto after = conn->Tail();
  if (after.ok() && after->length < tail->length) {
    metrics_->Trimmed(tail->length - after->length);
    spdlog::info("trimmed {} entries below {} (snapshot {})", tail->length - after->length,
                 point->ToString(), latest_->id);
  }
}

void Snapshotter::Round() {
  std::deque<Done> demand;
  {
    MutexLock lock(&worker_.mu());
    demand.swap(demand_);
  }
  if (!demand.empty()) {
    auto m = Snapshot();
    for (auto& d : demand) d(m);
  }
  if (!conn_) {
    auto c = log_->Connect();
    if (!c.ok()) return;
    conn_ = std::move(c).value();
  }
  // A holder that dies loses the lease after lease_ttl_intervals rounds.
  auto lease = conn_->AcquireLease(kLease, opts_.replica_id,
                                   opts_.lease_ttl_intervals * opts_.maintenance_interval_ms);
  if (!lease.ok() || !*lease) return;
  // Any replica may take a snapshot (POST /v1/admin/snapshots), so the
  // holder looks in the backup store again every few rounds, not only once:
  // the log is trimmed to the newest complete snapshot, whoever took it.
  if (!latest_ || ++rounds_since_listing_ >= opts_.backup_list_every_intervals) {
    rounds_since_listing_ = 0;
    auto snaps = Snapshots();
    if (snaps.ok() && !snaps->empty() && (!latest_ || latest_->position < snaps->back().position)) {
      latest_ = snaps->back();
    }
  }
  if (Due()) {
    auto m = Snapshot();
    (void)m;
  }
  Trim(conn_.get());
}

void Snapshotter::Run() {
  for (;;) {
    Round();
    auto until = Worker::Steady::now() + std::chrono::milliseconds(opts_.maintenance_interval_ms);
    MutexLock lock(&worker_.mu());
    while (demand_.empty() && Worker::Steady::now() < until) {
      if (!worker_.WaitUntil(until)) return;
    }
    if (worker_.stopping()) return;
  }
}

}  // namespace walfs
