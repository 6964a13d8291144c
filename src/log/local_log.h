// LocalLog: the embedded log of a single node, in one file (or in memory).
//
// Positions are assigned like Redis stream ids ("<ms>-<seq>", strictly
// increasing even if the clock steps back), from an injectable clock.
// File format, one record after another:
//   u32 LE body length, u64 LE XXH64(body), body = 16-byte position,
//   16-byte predecessor position, payload.
// On open, the file is read up to the first torn or corrupt record and cut
// there, so a crash mid-append loses only the unacknowledged tail. The first
// record's predecessor may be anything (the log may have been trimmed);
// every later record must chain to the one before it.
// Heartbeats and leases live in memory: a local log has one process. With
// fsync=always every append batch is fdatasync'ed before it is acknowledged.
// Thread-safety: thread-safe; connections share one LocalLog.
#pragma once

#include <functional>
#include <map>

#include "log/log.h"
#include "runtime/mutex.h"

namespace walfs {

class LocalLog final : public Log, public std::enable_shared_from_this<LocalLog> {
 public:
  using Clock = std::function<uint64_t()>;  // milliseconds since the epoch
  // path empty: in memory only.
  static Result<std::shared_ptr<LocalLog>> Open(const std::string& path, bool fsync,
                                                Clock clock = nullptr);
  ~LocalLog() override;

  Result<std::unique_ptr<LogConnection>> Connect() override;
  std::string Describe() const override;

  Result<std::vector<Position>> Append(const std::vector<std::string>& payloads);
  Result<std::vector<LogRecord>> Read(Position after, size_t max, std::chrono::milliseconds block);
  Position Last();
  LogTail Tail();
  uint64_t Bytes();
  // Drops records below min_keep; on disk, rewrites the file without them
  // (a new file, fsynced, renamed over the old one).
  Status Trim(Position min_keep);
  void PutHeartbeat(const std::string& id, const std::string& json, uint32_t ttl_ms);
  std::vector<std::string> Heartbeats();
  bool AcquireLease(const std::string& name, const std::string& holder, uint32_t ttl_ms);
  Status Seed(Position after, const std::string& empty_entry);

 private:
  struct Rec {
    Position pos;
    Position prev;
    uint64_t offset = 0;  // of the payload in the file
    uint32_t len = 0;
    std::string payload;  // in-memory logs only
  };
  LocalLog() = default;
  Status Load() REQUIRES(mu_);
  // Writes records (positions chosen by the caller).
  Status WriteRecords(std::vector<Rec>* recs, const std::vector<std::string>& payloads)
      REQUIRES(mu_);
  Result<std::string> ReadPayload(const Rec& r) const REQUIRES(mu_);

  std::string path_;
  bool fsync_ = true;
  Clock clock_;
  mutable Mutex mu_;
  CondVar cv_;
  int fd_ GUARDED_BY(mu_) = -1;
  uint64_t file_size_ GUARDED_BY(mu_) = 0;
  std::vector<Rec> recs_ GUARDED_BY(mu_);
  uint64_t trimmed_ GUARDED_BY(mu_) = 0;  // records trimmed since this process opened the log
  using Deadline = std::chrono::steady_clock::time_point;
  std::map<std::string, std::pair<std::string, Deadline>> heartbeats_ GUARDED_BY(mu_);
  std::map<std::string, std::pair<std::string, Deadline>> leases_ GUARDED_BY(mu_);
};

}  // namespace walfs
