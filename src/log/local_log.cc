#include "log/local_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/bytes.h"
#include "core/hash.h"
#include "runtime/wall_clock.h"

namespace walfs {
namespace {

constexpr uint32_t kMaxRecordBytes = 1u << 30;
constexpr size_t kHeaderBytes = 12;

Status Errno(const std::string& what) {
  return Status(Code::kIoError, what + ": " + std::strerror(errno));
}

Status PreadAll(int fd, char* buf, size_t n, uint64_t off) {
  while (n > 0) {
    ssize_t r = ::pread(fd, buf, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return r == 0 ? Status(Code::kIoError, "short read") : Errno("pread");
    buf += r, n -= static_cast<size_t>(r), off += static_cast<uint64_t>(r);
  }
  return Status::Ok();
}

Status WriteAll(int fd, const std::string& data, uint64_t off) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(off + done));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Errno("pwrite");
    done += static_cast<size_t>(w);
  }
  return Status::Ok();
}

class LocalConnection final : public LogConnection {
 public:
  explicit LocalConnection(std::shared_ptr<LocalLog> log) : log_(std::move(log)) {}
  Result<std::vector<Position>> Append(const std::vector<std::string>& p) override {
    return log_->Append(p);
  }
  Result<std::vector<LogRecord>> Read(Position after, size_t max,
                                      std::chrono::milliseconds block) override {
    return log_->Read(after, max, block);
  }
  Result<Position> Last() override { return log_->Last(); }
  Result<LogTail> Tail() override { return log_->Tail(); }
  Result<uint64_t> Bytes() override { return log_->Bytes(); }
  Status Trim(Position min_keep) override { return log_->Trim(min_keep); }
  Status PutHeartbeat(const std::string& id, const std::string& json, uint32_t ttl_ms) override {
    log_->PutHeartbeat(id, json, ttl_ms);
    return Status::Ok();
  }
  Result<std::vector<std::string>> Heartbeats() override { return log_->Heartbeats(); }
  Result<bool> AcquireLease(const std::string& name, const std::string& holder,
                            uint32_t ttl_ms) override {
    return log_->AcquireLease(name, holder, ttl_ms);
  }
  Status Seed(Position after, const std::string& empty_entry) override {
    return log_->Seed(after, empty_entry);
  }

 private:
  std::shared_ptr<LocalLog> log_;
};

}  // namespace

Result<std::shared_ptr<LocalLog>> LocalLog::Open(const std::string& path, bool fsync, Clock clock) {
  std::shared_ptr<LocalLog> log(new LocalLog());
  log->path_ = path;
  log->fsync_ = fsync;
  log->clock_ = clock ? std::move(clock) : Clock(WallClockMs);
  if (!path.empty()) {
    MutexLock lock(&log->mu_);
    log->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (log->fd_ < 0) return Errno("open " + path);
    WALFS_RETURN_IF_ERROR(log->Load());
  }
  return log;
}

LocalLog::~LocalLog() {
  if (fd_ >= 0) ::close(fd_);
}

Status LocalLog::Load() {
  off_t end = ::lseek(fd_, 0, SEEK_END);
  if (end < 0) return Errno("lseek");
  uint64_t size = static_cast<uint64_t>(end), off = 0;
  Position prev;
  while (off + kHeaderBytes <= size) {
    char h[kHeaderBytes];
    WALFS_RETURN_IF_ERROR(PreadAll(fd_, h, kHeaderBytes, off));
    uint32_t len = GetFixed32LE(h);
    if (len < 32 || len > kMaxRecordBytes || off + kHeaderBytes + len > size) break;
    std::string body(len, '\0');
    WALFS_RETURN_IF_ERROR(PreadAll(fd_, body.data(), len, off + kHeaderBytes));
    if (Checksum64(body) != GetFixed64LE(h + 4)) break;
    Rec r;
    r.pos = *Position::Decode(std::string_view(body).substr(0, 16));
    r.prev = *Position::Decode(std::string_view(body).substr(16, 16));
    bool first = recs_.empty();
    if ((!first && r.prev != prev) || r.pos <= prev) break;  // not a continuation: torn
    r.offset = off + kHeaderBytes + 32;
    r.len = len - 32;
    prev = r.pos;
    recs_.push_back(std::move(r));
    off += kHeaderBytes + len;
  }
  if (off != size && ::ftruncate(fd_, static_cast<off_t>(off)) != 0) return Errno("ftruncate");
  file_size_ = off;
  return Status::Ok();
}

Status LocalLog::WriteRecords(std::vector<Rec>* added, const std::vector<std::string>& payloads) {
  std::string buf;
  uint64_t off = file_size_;
  for (size_t i = 0; i < added->size(); ++i) {
    Rec& r = (*added)[i];
    const std::string& p = payloads[i];
    if (p.size() > kMaxRecordBytes - 32) return Status(Code::kTooLarge, "entry too large");
    std::string body = r.pos.Encode() + r.prev.Encode() + p;
    PutFixed32LE(&buf, static_cast<uint32_t>(body.size()));
    PutFixed64LE(&buf, Checksum64(body));
    r.offset = off + buf.size() + 32;
    r.len = static_cast<uint32_t>(p.size());
    buf.append(body);
    if (fd_ < 0) r.payload = p;
  }
  if (fd_ >= 0) {
    Status st = WriteAll(fd_, buf, file_size_);
    if (st.ok() && fsync_ && ::fdatasync(fd_) != 0) st = Errno("fdatasync");
    if (!st.ok()) {
      // Cut any partial write so the file stays a clean sequence of records.
      if (::ftruncate(fd_, static_cast<off_t>(file_size_)) != 0) {
        return Status(Code::kIoError, st.message() + " (and the log could not be cut back)");
      }
      return Status(Code::kLogUnavailable, "local log: " + st.message());
    }
    file_size_ += buf.size();
  }
  for (auto& r : *added) recs_.push_back(std::move(r));
  cv_.NotifyAll();
  return Status::Ok();
}

Result<std::vector<Position>> LocalLog::Append(const std::vector<std::string>& payloads) {
  MutexLock lock(&mu_);
  std::vector<Rec> added;
  Position prev = recs_.empty() ? Position{} : recs_.back().pos;
  for (size_t i = 0; i < payloads.size(); ++i) {
    Rec r;
    // Like Redis stream ids: the clock's ms, or the last id's ms with the
    // next sequence number when the clock has not moved on (or went back).
    uint64_t now = clock_();
    r.pos = now > prev.ms ? Position{now, 0} : Position{prev.ms, prev.seq + 1};
    r.prev = prev;
    prev = r.pos;
    added.push_back(std::move(r));
  }
  std::vector<Position> out;
  for (const auto& r : added) out.push_back(r.pos);
  WALFS_RETURN_IF_ERROR(WriteRecords(&added, payloads));
  return out;
}

Status LocalLog::Seed(Position after, const std::string& empty_entry) {
  MutexLock lock(&mu_);
  if (!recs_.empty()) return Status(Code::kAlreadyExists, "the log is not empty");
  std::vector<Rec> one(1);
  one[0].pos = Position{after.ms, after.seq + 1};
  one[0].prev = after;
  return WriteRecords(&one, {empty_entry});
}

Result<std::string> LocalLog::ReadPayload(const Rec& r) const {
  if (fd_ < 0) return r.payload;
  std::string p(r.len, '\0');
  WALFS_RETURN_IF_ERROR(PreadAll(fd_, p.data(), r.len, r.offset));
  return p;
}

Result<std::vector<LogRecord>> LocalLog::Read(Position after, size_t max,
                                              std::chrono::milliseconds block) {
  auto deadline = std::chrono::steady_clock::now() + block;
  MutexLock lock(&mu_);
  auto first = [after](const std::vector<Rec>& recs) {
    return std::upper_bound(recs.begin(), recs.end(), after,
                            [](Position p, const Rec& r) { return p < r.pos; });
  };
  while (first(recs_) == recs_.end() && cv_.WaitUntil(&mu_, deadline)) {
  }
  std::vector<LogRecord> out;
  for (auto it = first(recs_); it != recs_.end() && out.size() < max; ++it) {
    auto p = ReadPayload(*it);
    if (!p.ok()) return p.status();
    out.push_back(LogRecord{it->pos, it->prev, std::move(p).value()});
  }
  return out;
}

Position LocalLog::Last() {
  MutexLock lock(&mu_);
  return recs_.empty() ? Position{} : recs_.back().pos;
}

LogTail LocalLog::Tail() {
  MutexLock lock(&mu_);
  LogTail t;
  if (!recs_.empty()) {
    t.first = recs_.front().pos;
    t.last = recs_.back().pos;
  }
  t.length = recs_.size();
  t.entries_added = trimmed_ + recs_.size();
  return t;
}

uint64_t LocalLog::Bytes() {
  MutexLock lock(&mu_);
  if (fd_ >= 0) return file_size_;
  uint64_t n = 0;
  for (const auto& r : recs_) n += r.payload.size();
  return n;
}

Status LocalLog::Trim(Position min_keep) {
  MutexLock lock(&mu_);
  auto keep = std::lower_bound(recs_.begin(), recs_.end(), min_keep,
                               [](const Rec& r, Position p) { return r.pos < p; });
  size_t drop = static_cast<size_t>(keep - recs_.begin());
  if (drop == 0) return Status::Ok();
  if (fd_ >= 0) {
    // The kept records, byte for byte, into a new file renamed over the old.
    uint64_t from = keep == recs_.end() ? file_size_ : keep->offset - 32 - kHeaderBytes;
    std::string tmp = path_ + ".trim";
    int nfd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (nfd < 0) return Errno("open " + tmp);
    std::string buf(1 << 20, '\0');
    Status st = Status::Ok();
    for (uint64_t off = from; st.ok() && off < file_size_;) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), file_size_ - off));
      st = PreadAll(fd_, buf.data(), n, off);
      if (st.ok()) st = WriteAll(nfd, buf.substr(0, n), off - from);
      off += n;
    }
    if (st.ok() && ::fsync(nfd) != 0) st = Errno("fsync " + tmp);
    if (st.ok() && ::rename(tmp.c_str(), path_.c_str()) != 0) st = Errno("rename " + tmp);
    if (!st.ok()) {
      ::close(nfd);
      ::unlink(tmp.c_str());
      return st;
    }
    ::close(fd_);
    fd_ = nfd;
    file_size_ -= from;
    for (auto it = keep; it != recs_.end(); ++it) it->offset -= from;
  }
  recs_.erase(recs_.begin(), keep);
  trimmed_ += drop;
  return Status::Ok();
}

void LocalLog::PutHeartbeat(const std::string& id, const std::string& json, uint32_t ttl_ms) {
  MutexLock lock(&mu_);
  heartbeats_[id] = {json, std::chrono::steady_clock::now() + std::chrono::milliseconds(ttl_ms)};
}

std::vector<std::string> LocalLog::Heartbeats() {
  MutexLock lock(&mu_);
  std::vector<std::string> out;
  auto now = std::chrono::steady_clock::now();
  for (auto it = heartbeats_.begin(); it != heartbeats_.end();) {
    if (it->second.second < now) {
      it = heartbeats_.erase(it);
      continue;
    }
    out.push_back(it->second.first);
    ++it;
  }
  return out;
}

bool LocalLog::AcquireLease(const std::string& name, const std::string& holder, uint32_t ttl_ms) {
  MutexLock lock(&mu_);
  auto now = std::chrono::steady_clock::now();
  auto& l = leases_[name];
  if (l.first != holder && l.second > now) return false;
  l = {holder, now + std::chrono::milliseconds(ttl_ms)};
  return true;
}

Result<std::unique_ptr<LogConnection>> LocalLog::Connect() {
  return std::unique_ptr<LogConnection>(std::make_unique<LocalConnection>(shared_from_this()));
}

std::string LocalLog::Describe() const {
  return path_.empty() ? "memory" : "local:" + path_ + (fsync_ ? " (fsync always)" : " (no fsync)");
}

}  // namespace walfs
