#include "replica/applier.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "schema/fs_view.h"
#include "watch/journal.h"

namespace walfs {

Applier::Applier(Store* store, std::shared_ptr<Log> log, Waiters* waiters, ApplierEvents* events,
                 const ServerOptions& opts, Clock* clock)
    : store_(store),
      log_(std::move(log)),
      waiters_(waiters),
      events_(events),
      clock_(clock),
      opts_(opts) {
  MutexLock lock(&mu_);
  health_.log_status = Status(Code::kLogUnavailable, "the log has not been reached yet");
}

Applier::~Applier() { Stop(); }

Status Applier::Init() {
  Overlay init(&store_->live());
  WALFS_RETURN_IF_ERROR(InitStore(store_->live(), &init, opts_.block_bytes));
  if (init.size() > 0) WALFS_RETURN_IF_ERROR(store_->Commit(init));
  auto bs = LoadBlockBytes(store_->live());
  if (!bs.ok()) return bs.status();
  block_bytes_ = *bs;
  auto st = LoadApplyState(store_->live());
  if (!st.ok()) return st.status();
  state_ = *st;
  {
    MutexLock lock(&mu_);
    health_.applied = state_.applied;
  }
  waiters_->Publish(state_.applied, state_.digest, {});
  return Status::Ok();
}

void Applier::Start() {
  // The first connection is tried here, so that a replica whose log is
  // reachable is never reported cut off from it, and one whose log is not
  // (down, wrong credentials) is at once; the applier's thread retries.
  std::shared_ptr<LogConnection> first(Connect().release());
  worker_.Start([this, first] { Run(first); });
}

std::unique_ptr<LogConnection> Applier::Connect() {
  auto c = log_->Connect();
  MutexLock lock(&mu_);
  health_.log_status = c.ok() ? Status::Ok() : c.status();
  return c.ok() ? std::move(c).value() : nullptr;
}

void Applier::Stop() { worker_.Stop(); }

ApplierHealth Applier::health() const {
  MutexLock lock(&mu_);
  return health_;
}

void Applier::PruneEventsBelow(Position below) {
  MutexLock lock(&mu_);
  prune_below_ = std::max(prune_below_, below);
}

void Applier::PruneJournal() {
  Position below;
  {
    MutexLock lock(&mu_);
    below = prune_below_;
  }
  if (below <= pruned_below_) return;
  Overlay batch(&store_->live());
  auto n = PruneEvents(store_->live(), below, kEventsPrunedPerRound, &batch);
  if (!n.ok() || (batch.size() > 0 && !store_->Commit(batch).ok())) return;  // tried again
  if (*n < kEventsPrunedPerRound) pruned_below_ = below;
}

void Applier::Halt(Status why) {
  spdlog::error("applier stopped at {}: {}", state_.applied.ToString(), why.ToString());
  {
    MutexLock lock(&mu_);
    health_.stopped = why;
  }
  waiters_->Stop(why);
}

void Applier::Pause(Status why) {
  bool first = !paused_;
  paused_ = true;
  {
    MutexLock lock(&mu_);
    health_.paused = why;
  }
  if (first)
    spdlog::error("applier paused at {}: {} (retrying)", state_.applied.ToString(), why.ToString());
  events_->ApplierPaused(true);
  waiters_->Stop(why);
}

void Applier::Unpause() {
  if (!paused_) return;
  paused_ = false;
  {
    MutexLock lock(&mu_);
    health_.paused = Status::Ok();
  }
  spdlog::info("applier resumed at {}: the store takes writes again", state_.applied.ToString());
  events_->ApplierPaused(false);
  waiters_->Resume();
}

void Applier::Backoff(uint32_t* backoff_ms) {
  worker_.Sleep(std::chrono::milliseconds(*backoff_ms));
  *backoff_ms = std::min(*backoff_ms * 2, opts_.retry_backoff_ms_max);
}

void Applier::CheckTail(LogConnection* conn) {
  last_tail_check_ = clock_->Now();
  auto last = conn->Last();
  if (!last.ok()) return;
  if (*last < state_.applied) {
    Halt(Status(Code::kCorruption, "the log went backwards: its last entry is " + last->ToString() +
                                       " but this replica applied " + state_.applied.ToString() +
                                       " (entries were lost)"));
    return;
  }
  MutexLock lock(&mu_);
  health_.log_last = *last;
  health_.lag_ms = LagMs(state_.applied, *last);
}

// One read-apply-commit round; false when the applier must halt.
bool Applier::ApplyOnce(LogConnection* conn) {
  auto recs =
      conn->Read(state_.applied, read_count_, std::chrono::milliseconds(opts_.apply_block_ms));
  if (recs.ok() && !recs->empty()) {
    // The log bounds a read by entries, not bytes: the next read asks for as
    // many entries of this read's average size as fit apply_batch_bytes_max,
    // so that a log of large entries (staged chunks) is applied a few at a
    // time instead of hundreds of megabytes at once.
    uint64_t bytes = 0;
    for (const auto& r : *recs) bytes += r.payload.size();
    uint64_t avg = std::max<uint64_t>(1, bytes / recs->size());
    read_count_ = static_cast<size_t>(
        std::clamp<uint64_t>(opts_.apply_batch_bytes_max / avg, 1, opts_.apply_batch_entries_max));
  }
  if (!recs.ok()) {
    if (recs.status().code() == Code::kCorruption) {
      Halt(recs.status());
      return false;
    }
    events_->ApplierLogError();
    MutexLock lock(&mu_);
    health_.log_status = recs.status();
    return true;
  }
  {
    MutexLock lock(&mu_);
    health_.log_status = Status::Ok();
  }
  if (paused_) {
    Status r = store_->Resume();
    if (!r.ok()) {
      Pause(r);
      return true;
    }
  }
  if (recs->empty() ||
      clock_->Now() - last_tail_check_ > std::chrono::milliseconds(opts_.tail_check_interval_ms)) {
    CheckTail(conn);
    if (!health().stopped.ok()) return false;
    if (recs->empty()) return true;
  }
  auto now = clock_->Now();
  if (opts_.store_reserve_bytes > 0 &&
      (paused_ ||
       now - last_space_check_ >= std::chrono::milliseconds(opts_.space_check_interval_ms))) {
    // Below the reserve, stop before RocksDB meets a full disk mid-write.
    // Checked every 100 ms (a statvfs per batch is a syscall per batch):
    // far less than the reserve is written in that time.
    last_space_check_ = now;
    auto free = store_->FreeBytes();
    if (free.ok() && *free < opts_.store_reserve_bytes) {
      Pause(Status(Code::kIoError, "the store's disk has " + std::to_string(*free >> 20) +
                                       " MiB free, under the " +
                                       std::to_string(opts_.store_reserve_bytes >> 20) +
                                       " MiB reserve (--store-reserve-mib)"));
      return true;
    }
  }
  auto started = clock_->Now();
  // The applier is the store's only writer: reads within a batch are cached.
  Overlay batch(&store_->live(), /*cache_reads=*/true);
  BatchResult r = ApplyBatch(state_, &batch, block_bytes_, *recs);
  if (batch.size() > 0) {
    Status c = store_->Commit(batch);
    if (!c.ok() && c.code() == Code::kIoError) {
      // Nothing of the batch is committed; the next round re-reads it.
      Pause(c);
      return true;
    }
    if (!c.ok()) {
      Halt(c);
      return false;
    }
  }
  Unpause();
  state_ = r.state;
  events_->BatchApplied(r.outcomes.size(),
                        std::chrono::duration<double>(clock_->Now() - started).count());
  {
    MutexLock lock(&mu_);
    health_.applied = state_.applied;
    if (health_.log_last < state_.applied) health_.log_last = state_.applied;
    health_.lag_ms = LagMs(state_.applied, health_.log_last);
  }
  waiters_->Publish(state_.applied, state_.digest, std::move(r.outcomes));
  if (!r.stop.ok()) {
    Halt(r.stop);
    return false;
  }
  return true;
}

void Applier::Run(std::shared_ptr<LogConnection> first) {
  std::shared_ptr<LogConnection> conn = std::move(first);
  uint32_t backoff_ms = 50;
  for (;;) {
    if (worker_.Stopping()) return;
    if (!conn) {
      conn = Connect();
      if (!conn) {
        Backoff(&backoff_ms);
        continue;
      }
    }
    if (!ApplyOnce(conn.get())) {
      // Halted: stay alive (health answers why) until stopped.
      worker_.WaitForStop();
      return;
    }
    if (paused_ || !health().log_status.ok()) {
      Backoff(&backoff_ms);
    } else {
      backoff_ms = 50;
      PruneJournal();
    }
  }
}

}  // namespace walfs
