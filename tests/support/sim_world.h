// The simulated world the real actors run in: a clock that moves only when
// told, an in-memory log and an in-memory store, each with the faults a
// scenario switches on. Everything is driven from one thread, in an order
// the seed decides, so that a run replays exactly.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "log/log.h"
#include "runtime/clock.h"
#include "sm/overlay.h"
#include "store/store.h"

namespace walfs::testing {

// SimClock: steady time and log time (ms), both moved by Advance/Jump.
class SimClock final : public Clock {
 public:
  TimePoint Now() override { return TimePoint(std::chrono::milliseconds(offset_ms_)); }
  uint64_t LogMs() const { return kLogEpochMs + offset_ms_; }
  void Advance(uint64_t ms) { offset_ms_ += ms; }

 private:
  static constexpr uint64_t kLogEpochMs = 1'796'000'000'000;
  uint64_t offset_ms_ = 1000;
};

// SimLog: the log as a vector of records, positions from the clock's log
// time like Redis stream ids, each record chained to the one before.
class SimLog final : public Log {
 public:
  SimLog(SimClock* clock, std::mt19937_64* rng) : clock_(clock), rng_(rng) {}

  // --- Faults. Append calls are counted over every connection, from 1.
  uint64_t fail_append_at = 0;     // that call fails, appending nothing
  uint64_t timeout_append_at = 0;  // that call appends, then answers timeout
  int redeliver_pct = 0;           // a read also returns up to 3 records before `after`
  bool unreachable = false;        // every call fails: log_unavailable
  // A broken log (or an applier that does not check): each record read
  // claims to follow whatever the reader asked after. For the mutation test.
  bool lie_about_predecessors = false;

  // The last n records vanish (a failover to a replica that missed them).
  void LoseTail(size_t n) { recs_.resize(recs_.size() - std::min(n, recs_.size())); }
  // The last n records are replaced by others, at new positions.
  void Fork(size_t n, const std::vector<std::string>& payloads) {
    LoseTail(n);
    clock_->Advance(1);
    AppendNow(payloads);
  }

  const std::vector<LogRecord>& records() const { return recs_; }
  uint64_t append_calls() const { return append_calls_; }
  uint64_t redelivered() const { return redelivered_; }

  Result<std::unique_ptr<LogConnection>> Connect() override;
  std::string Describe() const override { return "sim"; }

 private:
  friend class SimLogConnection;
  Status Reachable() const {
    return unreachable ? Status(Code::kLogUnavailable, "sim: the log is unreachable")
                       : Status::Ok();
  }
  std::vector<Position> AppendNow(const std::vector<std::string>& payloads) {
    std::vector<Position> out;
    for (const auto& p : payloads) {
      Position last = recs_.empty() ? Position{} : recs_.back().pos;
      uint64_t now = clock_->LogMs();
      Position pos = now > last.ms ? Position{now, 0} : Position{last.ms, last.seq + 1};
      recs_.push_back(LogRecord{pos, last, p});
      ++entries_added_;
      out.push_back(pos);
    }
    return out;
  }

  SimClock* clock_;
  std::mt19937_64* rng_;
  std::vector<LogRecord> recs_;
  uint64_t first_kept_index_ = 0;  // trimmed records are erased from recs_
  uint64_t entries_added_ = 0;
  uint64_t append_calls_ = 0;
  uint64_t redelivered_ = 0;
  std::map<std::string, std::string> heartbeats_;
  std::map<std::string, std::string> leases_;
};

class SimLogConnection final : public LogConnection {
 public:
  explicit SimLogConnection(SimLog* log) : log_(log) {}

  Result<std::vector<Position>> Append(const std::vector<std::string>& payloads) override {
    WALFS_RETURN_IF_ERROR(log_->Reachable());
    uint64_t n = ++log_->append_calls_;
    if (n == log_->fail_append_at)
      return Status(Code::kLogUnavailable, "sim: append " + std::to_string(n) + " failed");
    auto pos = log_->AppendNow(payloads);
    if (n == log_->timeout_append_at)
      return Status(Code::kTimeout, "sim: append " + std::to_string(n) + " timed out");
    return pos;
  }

  Result<std::vector<LogRecord>> Read(Position after, size_t max,
                                      std::chrono::milliseconds) override {
    WALFS_RETURN_IF_ERROR(log_->Reachable());
    const auto& recs = log_->recs_;
    auto it = std::upper_bound(recs.begin(), recs.end(), after,
                               [](Position p, const LogRecord& r) { return p < r.pos; });
    auto from = it;
    if (log_->redeliver_pct > 0 && static_cast<int>((*log_->rng_)() % 100) < log_->redeliver_pct) {
      size_t back =
          std::min<size_t>(1 + (*log_->rng_)() % 3, static_cast<size_t>(it - recs.begin()));
      from = it - static_cast<long>(back);
      log_->redelivered_ += back;
    }
    std::vector<LogRecord> out(
        from, from + static_cast<long>(std::min<size_t>(max + (it - from), recs.end() - from)));
    if (log_->lie_about_predecessors) {
      Position prev = after;
      for (auto& r : out) {
        if (r.pos <= after) continue;
        r.prev = prev;
        prev = r.pos;
      }
    }
    return out;
  }

  Result<Position> Last() override {
    WALFS_RETURN_IF_ERROR(log_->Reachable());
    return log_->recs_.empty() ? Position{} : log_->recs_.back().pos;
  }
  Result<LogTail> Tail() override {
    WALFS_RETURN_IF_ERROR(log_->Reachable());
    LogTail t;
    if (!log_->recs_.empty()) {
      t.first = log_->recs_.front().pos;
      t.last = log_->recs_.back().pos;
    }
    t.entries_added = log_->entries_added_;
    t.length = log_->recs_.size();
    return t;
  }
  Status Trim(Position min_keep) override {
    auto& recs = log_->recs_;
    recs.erase(recs.begin(),
               std::lower_bound(recs.begin(), recs.end(), min_keep,
                                [](const LogRecord& r, Position p) { return r.pos < p; }));
    return Status::Ok();
  }
  Status PutHeartbeat(const std::string& id, const std::string& json, uint32_t) override {
    log_->heartbeats_[id] = json;
    return Status::Ok();
  }
  Result<std::vector<std::string>> Heartbeats() override {
    std::vector<std::string> out;
    for (auto& [k, v] : log_->heartbeats_) out.push_back(v);
    return out;
  }
  Result<bool> AcquireLease(const std::string& name, const std::string& holder, uint32_t) override {
    auto [it, added] = log_->leases_.emplace(name, holder);
    return added || it->second == holder;
  }
  Status Seed(Position after, const std::string& empty_entry) override {
    if (!log_->recs_.empty()) return Status(Code::kAlreadyExists, "sim: the log is not empty");
    log_->recs_.push_back(LogRecord{Position{after.ms, after.seq + 1}, after, empty_entry});
    return Status::Ok();
  }

 private:
  SimLog* log_;
};

inline Result<std::unique_ptr<LogConnection>> SimLog::Connect() {
  WALFS_RETURN_IF_ERROR(Reachable());
  return std::unique_ptr<LogConnection>(std::make_unique<SimLogConnection>(this));
}

// SimStore: the replica's store in memory. A process crash loses nothing
// committed (RocksDB's write-ahead log is in the page cache); the power
// cuts are the state machine simulation's business.
class SimStore final : public Store {
 public:
  // --- Faults. Commits are counted from 1.
  uint64_t fail_commit_at = 0;       // that commit fails; then commits fail until Resume
  uint64_t free_bytes = UINT64_MAX;  // what FreeBytes reports (a full disk: 0)

  const StoreReader& live() const override { return mem_; }
  std::shared_ptr<const StoreReader> Snapshot() const override {
    return std::make_shared<MemStore>(mem_);
  }
  Status Commit(const Overlay& batch) override {
    uint64_t n = ++commits_;
    if (n == fail_commit_at) failed_ = true;
    if (failed_) return Status(Code::kIoError, "sim: commit " + std::to_string(n) + " failed");
    mem_.Apply(batch);
    return Status::Ok();
  }
  Status Resume() override {
    failed_ = false;
    return Status::Ok();
  }
  Result<uint64_t> FreeBytes() const override { return free_bytes; }

  const MemStore& mem() const { return mem_; }
  uint64_t commits() const { return commits_; }

 private:
  MemStore mem_;
  uint64_t commits_ = 0;
  bool failed_ = false;
};

}  // namespace walfs::testing
