#define FUSE_USE_VERSION 35
#include "mount/walfs_fs.h"

#include <fuse.h>
#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "core/file_mode.h"
#include "mount/errno_map.h"
#include "mount/fuse_loop.h"
#include "mount/kernel_read_ahead.h"
#include "mount/open_file.h"
#include "mount/remote.h"

namespace walfs {
namespace {

using json = nlohmann::json;

// The longest a FUSE write may be: a write() up to it reaches the mount
// whole, so an O_APPEND write() up to it is one append.
constexpr unsigned kMaxWrite = 1 << 20;
// The longest a FUSE read may be. libfuse answers each from a buffer of its
// size it allocates and frees; at 1 MiB (what cp's sequential advice makes
// the kernel ask) the allocator hands such buffers back to the kernel at
// once (malloc_conf, src/cli/main.cc), and faulting them in again took most
// of a read's time: cp out of the mount ran at 268 MB/s, 997 MB/s with
// reads of at most 512 KiB (docs/performance.md).
constexpr unsigned kMaxRead = 512 << 10;
// Threads for the requests that may wait for a server (libfuse's own loop
// allowed 10).
constexpr size_t kFuseWorkers = 10;

class WalfsFs {
 public:
  explicit WalfsFs(const MountOptions& o) : o_(o), remote_(o) {}
  // The fetches in flight finish first (an open file waits for its own).
  ~WalfsFs() {
    if (fetchers_) fetchers_->join();
  }
  // Called by libfuse's init, in the process that serves the mount (after
  // it detached: threads started before the fork would not be there).
  void Start() { fetchers_ = std::make_unique<boost::asio::thread_pool>(ReadAhead::kAheadWindows); }
  WalfsFs(const WalfsFs&) = delete;
  WalfsFs& operator=(const WalfsFs&) = delete;

  // The kernel's read-ahead for this mount, once, at the first open (not
  // in init: the kernel sets it from init's answer, after init returns).
  void SetReadAhead() {
    if (o_.read_ahead_kib == 0) return;
    char abs[PATH_MAX];
    if (realpath(o_.mountpoint.c_str(), abs) == nullptr) return;
    Status s = SetKernelReadAhead(abs, o_.read_ahead_kib);
    if (s.ok()) {
      spdlog::info("kernel read-ahead for {}: {} KiB", abs, o_.read_ahead_kib);
    } else {
      spdlog::info("kernel read-ahead stays the kernel's: {}", s.message());
    }
  }

  // path is null for a call on an open file (nullpath_ok): fi says which.
  int GetAttr(const char* path, struct stat* st, fuse_file_info* fi) {
    auto at = PathOf(path, fi);
    if (!at) {
      std::memset(st, 0, sizeof *st);  // fstat of an unlinked file: no links
      st->st_mode = S_IFREG | 0600;
      st->st_uid = fuse_get_context()->uid;
      st->st_gid = fuse_get_context()->gid;
      return 0;
    }
    const std::string& p = *at;
    // The kernel leaves NAME_MAX to the file system: every call on a new
    // name looks it up here first.
    if (TooLong(p)) return -ENAMETOOLONG;
    if (int e = FlushPath(p); e != 0) return -e;
    auto r = remote_.Read(Target(p) + "?stat", true);
    if (int e = Failed(r, "stat " + p, false); e != 0) return -e;
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object()) return -EIO;
    FillStat(j, st);
    return 0;
  }

  // p: the walfs path of a directory opened by OpenDir.
  int ReadDir(const std::string& p, void* buf, fuse_fill_dir_t fill) {
    fill(buf, ".", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
    fill(buf, "..", nullptr, 0, static_cast<fuse_fill_dir_flags>(0));
    std::string after;
    for (;;) {
      std::string t = Target(p) + "?list&limit=1000";
      if (!after.empty()) t += "&after=" + EncodeQueryValue(after);
      auto r = remote_.Read(t, after.empty());
      if (int e = Failed(r, "list " + p, false); e != 0) return -e;
      json j = json::parse(r->body, nullptr, false);
      if (!j.is_object() || !j["entries"].is_array()) return -EIO;
      for (const auto& e : j["entries"]) {
        struct stat st {};
        FillStat(e, &st);
        std::string name = e.value("name", "");
        if (fill(buf, name.c_str(), &st, 0, static_cast<fuse_fill_dir_flags>(0)) != 0) return 0;
      }
      if (!j["next"].is_string()) return 0;
      after = j["next"].get<std::string>();
    }
  }

  int OpenDir(const char* path, fuse_file_info* fi) {
    fi->fh = reinterpret_cast<uint64_t>(new OpenFile(Path(path), false));
    return 0;
  }

  // A directory made with its mode and the caller as owner, in one entry;
  // anything there already is EEXIST.
  int Mkdir(const char* path, mode_t mode) {
    std::string p = Path(path);
    return CreateNode(p, {{"op", "mkdir"}, {"path", p}}, mode, "mkdir " + p);
  }

  // A new node at p (op makes it) with the caller as its owner and, unless
  // it is a symbolic link, mode: 0, or the errno (EEXIST if p exists).
  int CreateNode(const std::string& p, json op, std::optional<mode_t> mode,
                 const std::string& what) {
    if (o_.read_only) return EROFS;
    const fuse_context* c = fuse_get_context();
    json attrs = {{"op", "setattr"}, {"path", p}, {"uid", c->uid}, {"gid", c->gid}};
    if (mode) attrs["mode"] = FormatMode(*mode);
    json tx = {{"conditions", {{{"path", p}, {"exists", false}}}},
               {"ops", {std::move(op), std::move(attrs)}}};
    auto r = remote_.Write("POST", "/v1/tx", tx.dump());
    if (r.ok() && r->status == 412) return EEXIST;
    return Failed(r, what, true);
  }

  // The walfs path of a call: path is null for a call on an open file
  // (nullpath_ok), and fi says which; none for an open file whose path was
  // unlinked through this mount (nothing is left of it to change).
  std::optional<std::string> PathOf(const char* path, fuse_file_info* fi) const {
    if (path != nullptr) return Path(path);
    OpenFile* f = File(fi);
    MutexLock lock(&f->mu);
    if (f->unlinked) return std::nullopt;
    return f->path;
  }

  int Chmod(const char* path, mode_t mode, fuse_file_info* fi) {
    auto p = PathOf(path, fi);
    if (!p) return 0;
    return Write("POST", *p, "?op=setattr&mode=" + FormatMode(mode), "");
  }

  // -1 leaves an id as it is (chown(2)).
  int Chown(const char* path, uid_t uid, gid_t gid, fuse_file_info* fi) {
    auto p = PathOf(path, fi);
    if (!p) return 0;
    std::string q;
    if (uid != static_cast<uid_t>(-1)) q += "&uid=" + std::to_string(uid);
    if (gid != static_cast<gid_t>(-1)) q += "&gid=" + std::to_string(gid);
    if (q.empty()) return 0;
    return Write("POST", *p, "?op=setattr" + q, "");
  }

  // UTIME_NOW is this machine's clock; UTIME_OMIT leaves a time as it is.
  // Times before 1970 cannot be stored (EINVAL).
  int Utimens(const char* path, const struct timespec tv[2], fuse_file_info* fi) {
    auto at = PathOf(path, fi);
    if (!at) return 0;
    const std::string& p = *at;
    std::string q;
    const char* names[2] = {"atime_ms", "mtime_ms"};
    for (int i = 0; i < 2; ++i) {
      if (tv[i].tv_nsec == UTIME_OMIT) continue;
      struct timespec t = tv[i];
      if (t.tv_nsec == UTIME_NOW) clock_gettime(CLOCK_REALTIME, &t);
      if (t.tv_sec < 0) return -EINVAL;
      uint64_t ms =
          static_cast<uint64_t>(t.tv_sec) * 1000 + static_cast<uint64_t>(t.tv_nsec) / 1000000;
      q += std::string("&") + names[i] + "=" + std::to_string(ms);
    }
    if (q.empty()) return 0;
    // Writes held for it go first: their apply would move mtime again.
    if (int e = FlushPath(p); e != 0) return -e;
    return Write("POST", p, "?op=setattr" + q, "");
  }

  int Symlink(const char* target, const char* path) {
    std::string p = Path(path);
    return -CreateNode(p, {{"op", "symlink"}, {"path", p}, {"target", target}}, std::nullopt,
                       "symlink " + p);
  }

  int Readlink(const char* path, char* buf, size_t size) {
    if (size == 0) return -EINVAL;
    std::string p = Path(path);
    auto r = remote_.Read(Target(p) + "?stat", true);
    if (int e = Failed(r, "readlink " + p, false); e != 0) return -e;
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || j.value("type", "") != "symlink") return -EINVAL;
    std::string t = j.value("target", "");
    size_t n = std::min(t.size(), size - 1);
    std::memcpy(buf, t.data(), n);
    buf[n] = '\0';
    return 0;
  }
  // Files open at p (through this mount) are unlinked with it: nothing
  // they hold or are given later is sent (it would make the file again).
  int Unlink(const char* path) {
    std::string p = Path(path);
    WaitInflight(p);  // a send landing after the delete would make the file again
    int e = Write("DELETE", p, "", "");
    if (e != 0) return e;
    std::vector<std::shared_ptr<OpenFile>> files;
    {
      MutexLock lock(&mu_);
      auto it = open_.find(p);
      if (it == open_.end()) return 0;
      files = std::move(it->second);
      open_.erase(it);
      unlinked_.insert(unlinked_.end(), files.begin(), files.end());
    }
    for (const auto& f : files) {
      MutexLock fl(&f->mu);
      f->unlinked = true;
      f->pending.clear();
      f->reads.Clear();
    }
    return 0;
  }

  int Rmdir(const char* path) {
    std::string p = Path(path);
    auto r = remote_.Read(Target(p) + "?stat", true);
    if (int e = Failed(r, "stat " + p, false); e != 0) return -e;
    if (json::parse(r->body, nullptr, false).value("type", "") != "dir") return -ENOTDIR;
    return Write("DELETE", p, "", "");
  }

  int Rename(const char* from, const char* to, unsigned flags) {
    if (flags & ~static_cast<unsigned>(RENAME_NOREPLACE)) return -EINVAL;  // RENAME_EXCHANGE
    std::string p = Path(from), q = Path(to);
    if (TooLong(q)) return -ENAMETOOLONG;
    if (int e = FlushPath(p); e != 0) return -e;
    bool overwrite = !(flags & RENAME_NOREPLACE);
    // POSIX lets a directory replace an empty directory, which the API's
    // rename never does: that is one transaction, the empty directory's
    // delete (not_empty if it is not) and the rename.
    auto target = remote_.Read(Target(q) + "?stat", true);
    bool target_dir = target.ok() && target->status == 200 &&
                      json::parse(target->body, nullptr, false).value("type", "") == "dir";
    if (target_dir && overwrite) {
      auto source = remote_.Read(Target(p) + "?stat", true);
      if (int e = Failed(source, "stat " + p, false); e != 0) return -e;
      if (json::parse(source->body, nullptr, false).value("type", "") != "dir") return -EISDIR;
      if (o_.read_only) return -EROFS;
      json tx = {{"ops",
                  {{{"op", "delete"}, {"path", q}, {"recursive", false}},
                   {{"op", "rename"}, {"path", p}, {"to", q}, {"overwrite", false}}}}};
      auto r = remote_.Write("POST", "/v1/tx", tx.dump());
      int e = Failed(r, "rename " + p + " over the directory " + q, true);
      if (e == 0) Moved(p, q);
      return -e;
    }
    int e =
        Write("POST", p,
              "?op=rename&to=" + EncodeQueryValue(q) + (overwrite ? "&overwrite=true" : ""), "");
    if (e == 0) Moved(p, q);
    return e;
  }

  // Files open under p (p itself, or below it) follow a rename to q, as an
  // open descriptor follows its file.
  void Moved(const std::string& p, const std::string& q) {
    MutexLock lock(&mu_);
    std::vector<std::pair<std::string, std::vector<std::shared_ptr<OpenFile>>>> moved;
    for (auto it = open_.begin(); it != open_.end();) {
      const std::string& k = it->first;
      bool under = k == p || (k.size() > p.size() && k.compare(0, p.size(), p) == 0 &&
                              (p == "/" || k[p.size()] == '/'));
      if (!under) {
        ++it;
        continue;
      }
      std::string to = q + k.substr(p.size());
      for (const auto& f : it->second) {
        MutexLock fl(&f->mu);
        f->path = to;
      }
      moved.emplace_back(to, std::move(it->second));
      it = open_.erase(it);
    }
    for (auto& [k, files] : moved) {
      auto& dst = open_[k];
      dst.insert(dst.end(), files.begin(), files.end());
    }
  }

  int Truncate(const char* path, off_t size, fuse_file_info* fi) {
    if (size < 0) return -EINVAL;
    auto at = PathOf(path, fi);
    if (!at) return 0;  // nothing left to cut
    const std::string& p = *at;
    if (int e = FlushPath(p); e != 0) return -e;
    return Write("POST", p, "?op=truncate&size=" + std::to_string(size), "");
  }

  int Create(const char* path, mode_t mode, fuse_file_info* fi) {
    std::string p = Path(path);
    // Created empty, with its mode and owner, unless it exists (an O_CREAT
    // open of a file made meanwhile keeps its bytes); O_EXCL: it must not.
    int e = CreateNode(p, {{"op", "put"}, {"path", p}, {"data", ""}}, mode, "create " + p);
    if (e == EEXIST && (fi->flags & O_EXCL)) return -EEXIST;
    if (e != 0 && e != EEXIST) return -e;
    return Open(path, fi);
  }

  int Open(const char* path, fuse_file_info* fi) {
    std::call_once(read_ahead_set_, [this] { SetReadAhead(); });
    std::string p = Path(path);
    // A session open waits for the mount's position (close-to-open on
    // this mount); a strong open for the log's end.
    auto r = remote_.Read(Target(p) + "?stat", true);
    if (int e = Failed(r, "open " + p, false); e != 0) return -e;
    if (json::parse(r->body, nullptr, false).value("type", "") == "dir") return -EISDIR;
    if (o_.read_only && (fi->flags & O_ACCMODE) != O_RDONLY) return -EROFS;
    // libfuse asks for atomic O_TRUNC: the kernel passes the flag here
    // instead of truncating first.
    if ((fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY) {
      if (int e = Truncate(path, 0, fi); e != 0) return e;
    }
    auto f = std::make_shared<OpenFile>(p, (fi->flags & O_APPEND) != 0);
    fi->fh = reinterpret_cast<uint64_t>(f.get());
    if (o_.direct_reads && (fi->flags & O_ACCMODE) == O_RDONLY) fi->direct_io = 1;
    MutexLock lock(&mu_);
    open_[p].push_back(std::move(f));
    return 0;
  }

  int Read(char* buf, size_t size, off_t offset, fuse_file_info* fi) {
    OpenFile* f = File(fi);
    MutexLock lock(&f->mu);
    if (f->unlinked) return -ESTALE;
    if (int e = SendLocked(f); e != 0) return -e;
    if (int e = std::exchange(f->error, 0); e != 0) return -e;
    std::string path = f->path;
    ReadAhead::Fetch fetch = [this, path](uint64_t at, uint64_t length, std::string* into) {
      auto r = remote_.ReadInto(
          Target(path) + "?offset=" + std::to_string(at) + "&length=" + std::to_string(length),
          into);
      if (!r.ok() || r->status != 200) into->clear();  // perhaps half of it
      if (r.ok() && r->status == 416) return 0;        // past the end
      return Failed(r, "read " + path, false);
    };
    return f->reads.Read(
        buf, size, static_cast<uint64_t>(offset), remote_.writes(), fetch,
        [this](std::function<void()> task) { boost::asio::post(*fetchers_, std::move(task)); });
  }

  int WriteBytes(const char* buf, size_t size, off_t offset, fuse_file_info* fi) {
    if (o_.read_only) return -EROFS;
    OpenFile* f = File(fi);
    MutexLock lock(&f->mu);
    if (f->unlinked) return static_cast<int>(size);  // nowhere to go
    if (f->error != 0) return -std::exchange(f->error, 0);
    if (!f->append && !f->pending.empty() &&
        f->offset + f->pending.size() != static_cast<uint64_t>(offset)) {
      // Not the continuation of the run held: that run goes first.
      if (int e = SendLocked(f); e != 0) return -e;
    }
    if (f->pending.empty()) f->offset = static_cast<uint64_t>(offset);
    f->pending.append(buf, size);
    if (f->pending.size() >= o_.write_buffer_bytes) {
      if (int e = SendBehindLocked(f); e != 0) return -e;
    }
    return static_cast<int>(size);
  }

  // Whether a write of size at offset to the open file fh would only join
  // its buffer (WriteBytes sends nothing and waits for nothing): answered
  // on the thread that receives requests (fuse_loop.h).
  bool JoinsBuffer(uint64_t fh, uint64_t offset, uint32_t size) {
    if (o_.read_only) return false;
    auto* f = reinterpret_cast<OpenFile*>(fh);
    MutexLock lock(&f->mu);
    bool continues = f->append || f->pending.empty() || f->offset + f->pending.size() == offset;
    return !f->unlinked && f->error == 0 && continues &&
           f->pending.size() + size < o_.write_buffer_bytes;
  }

  // Whether a read of size at offset of the open file fh is answered from
  // windows fetched already (Read waits for nothing).
  bool ReadsFetched(uint64_t fh, uint64_t offset, uint32_t size) {
    auto* f = reinterpret_cast<OpenFile*>(fh);
    MutexLock lock(&f->mu);
    return !f->unlinked && f->error == 0 && f->pending.empty() && !f->inflight.valid() &&
           f->reads.Ready(size, offset, remote_.writes());
  }

  int Flush(OpenFile* f) {
    MutexLock lock(&f->mu);
    int e = SendLocked(f);
    if (e == 0) e = std::exchange(f->error, 0);
    return e;
  }

  int Release(fuse_file_info* fi) {
    OpenFile* f = File(fi);
    (void)Flush(f);
    // The registry owns it: a FlushPath that found it keeps it alive.
    MutexLock lock(&mu_);
    if (std::erase_if(unlinked_, [&](const auto& o) { return o.get() == f; }) > 0) return 0;
    auto it = open_.find(f->Path());
    if (it == open_.end()) return 0;
    std::erase_if(it->second, [&](const auto& o) { return o.get() == f; });
    if (it->second.empty()) open_.erase(it);
    return 0;
  }

  static OpenFile* File(fuse_file_info* fi) { return reinterpret_cast<OpenFile*>(fi->fh); }

 private:
  // Whether p has a component over NAME_MAX (255 bytes) or is over the
  // API's 4096 bytes.
  static bool TooLong(const std::string& p) {
    if (p.size() > 4096) return true;
    size_t start = 0;
    while (start < p.size()) {
      size_t end = p.find('/', start);
      if (end == std::string::npos) end = p.size();
      if (end - start > 255) return true;
      start = end + 1;
    }
    return false;
  }

  // The walfs path of a path under the mount point.
  std::string Path(const char* path) const {
    std::string p(path);
    if (o_.subdir == "/" || o_.subdir.empty()) return p;
    return p == "/" ? o_.subdir : o_.subdir + p;
  }
  static std::string Target(const std::string& p) { return "/v1/fs" + EncodePath(p); }

  // errno of an answer (0: it succeeded), logged when it is not one a
  // caller expects (a missing file is not news).
  static int Failed(const Result<ClientResponse>& r, const std::string& what, bool write) {
    if (!r.ok()) {
      spdlog::warn("{}: {}", what, r.status().message());
      return ErrnoForTransport(r.status());
    }
    if (r->status / 100 == 2) return 0;
    json j = json::parse(r->body, nullptr, false);
    std::string code = j.is_object() ? j.value("error", "") : "";
    int e = ErrnoForAnswer(r->status, code, write);
    if (e == EIO || e == EAGAIN) {
      spdlog::warn("{}: {} {}", what, r->status, j.is_object() ? j.value("message", "") : "");
    }
    return e;
  }

  int Write(const std::string& method, const std::string& p, const std::string& query,
            const std::string& body) {
    if (o_.read_only) return -EROFS;
    auto r = remote_.Write(method, Target(p) + query, body);
    return -Failed(r, method + " " + p + query, true);
  }

  // Sends what f holds: one append, or one write at its offset; its errno
  // (the bytes are dropped either way), for the caller to return.
  int SendLocked(OpenFile* f) REQUIRES(f->mu) {
    int before = WaitInflightLocked(f);
    if (f->unlinked) f->pending.clear();
    if (f->pending.empty()) return before;
    std::string query = f->append ? "?op=append" : "?op=write&offset=" + std::to_string(f->offset);
    auto r = remote_.Write("POST", Target(f->path) + query, f->pending);
    f->pending.clear();
    int e = Failed(r, "write " + f->path, true);
    return before != 0 ? before : e;
  }

  // The errno of the send in flight, once it is done (0 if none).
  static int WaitInflightLocked(OpenFile* f) REQUIRES(f->mu) {
    return f->inflight.valid() ? f->inflight.get() : 0;
  }

  // Sends what f holds in the background, after the send before it (so
  // that the writer fills the next buffer meanwhile); the errno of that
  // earlier send, if it failed (and then what f holds is dropped too).
  int SendBehindLocked(OpenFile* f) REQUIRES(f->mu) {
    if (int e = WaitInflightLocked(f); e != 0) {
      f->pending.clear();
      return e;
    }
    std::string target =
        Target(f->path) +
        (f->append ? "?op=append" : "?op=write&offset=" + std::to_string(f->offset));
    f->inflight = std::async(
        std::launch::async, [this, target = std::move(target), body = std::move(f->pending)] {
          return Failed(remote_.Write("POST", target, body), "write " + target, true);
        });
    f->pending.clear();
    return 0;
  }

  // Waits for the sends in flight of the files open at p; their errors go
  // to their writers' next call.
  void WaitInflight(const std::string& p) {
    std::vector<std::shared_ptr<OpenFile>> files;
    {
      MutexLock lock(&mu_);
      auto it = open_.find(p);
      if (it == open_.end()) return;
      files = it->second;
    }
    for (const auto& f : files) {
      MutexLock lock(&f->mu);
      int e = WaitInflightLocked(f.get());
      if (e != 0 && f->error == 0) f->error = e;
    }
  }

  // Sends the writes every open file of p holds (before a stat or a
  // rename of p, so that they see them).
  int FlushPath(const std::string& p) {
    std::vector<std::shared_ptr<OpenFile>> files;
    {
      MutexLock lock(&mu_);
      auto it = open_.find(p);
      if (it == open_.end()) return 0;
      files = it->second;
    }
    int first = 0;
    for (const auto& f : files) {
      MutexLock lock(&f->mu);
      int e = SendLocked(f.get());
      // Its writer learns of it at its next fsync or close.
      if (e != 0 && f->error == 0) f->error = e;
      if (first == 0) first = e;
    }
    return first;
  }

  // A stat or listing entry of the API as struct stat: its type, mode,
  // owner (the mount's --uid/--gid where it has none) and times.
  void FillStat(const json& j, struct stat* st) const {
    std::memset(st, 0, sizeof *st);
    std::string type = j.value("type", "");
    bool dir = type == "dir";
    mode_t kind = dir ? S_IFDIR : type == "symlink" ? S_IFLNK : S_IFREG;
    uint32_t mode = ParseMode(j.value("mode", "")).value_or(dir ? 0755 : 0644);
    st->st_mode = kind | static_cast<mode_t>(mode);
    st->st_nlink = dir ? 2 : 1;
    st->st_uid = j.contains("uid") ? j["uid"].get<uid_t>() : o_.uid;
    st->st_gid = j.contains("gid") ? j["gid"].get<gid_t>() : o_.gid;
    st->st_size = dir ? 0 : static_cast<off_t>(j.value("size", uint64_t{0}));
    // What a reader or writer should move at once (cp, cat and dd size
    // their buffers by it): one FUSE write of max_write.
    st->st_blksize = kMaxWrite;
    st->st_blocks = (st->st_size + 511) / 512;
    st->st_mtim = ParseTime(j.value("mtime", ""));
    st->st_atim = j.contains("atime") ? ParseTime(j.value("atime", "")) : st->st_mtim;
    st->st_ctim = j.contains("ctime") ? ParseTime(j.value("ctime", "")) : st->st_mtim;
  }

  // "2026-11-24T17:00:00.123Z".
  static struct timespec ParseTime(const std::string& s) {
    struct tm tm {};
    int ms = 0;
    struct timespec t {};
    if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6) {
      return t;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    t.tv_sec = timegm(&tm);
    t.tv_nsec = static_cast<long>(ms) * 1000000;
    return t;
  }

  const MountOptions& o_;
  Remote remote_;
  Mutex mu_;
  // The open files by path (several opens of one path, each its own).
  std::map<std::string, std::vector<std::shared_ptr<OpenFile>>> open_ GUARDED_BY(mu_);
  // Open files whose path was unlinked through this mount, until released.
  std::vector<std::shared_ptr<OpenFile>> unlinked_ GUARDED_BY(mu_);
  // Where windows are fetched ahead of readers: as many at once as one
  // reader has ahead.
  std::unique_ptr<boost::asio::thread_pool> fetchers_;
  std::once_flag read_ahead_set_;
};

WalfsFs* Fs() { return static_cast<WalfsFs*>(fuse_get_context()->private_data); }

fuse_operations Operations() {
  fuse_operations ops{};
  ops.init = [](fuse_conn_info* conn, fuse_config* cfg) -> void* {
    auto* fs = Fs();
    conn->max_write = kMaxWrite;
    conn->max_read = kMaxRead;
    cfg->use_ino = 0;
    // Calls on an open file or directory find it by its handle: libfuse
    // need not build their paths (a lock and a walk up the tree per write).
    cfg->nullpath_ok = 1;
    // An unlink removes the name at once, for every mount and replica;
    // libfuse would otherwise rename a file still open to .fuse_hidden*,
    // a name every other client would see (and keep, were this mount to
    // die before the last close).
    cfg->hard_remove = 1;
    // The kernel's page cache is kept while a file's size and mtime stay
    // the same (a change through another mount shows at the next open).
    cfg->auto_cache = 1;
    fs->Start();
    return fs;
  };
  ops.getattr = [](const char* p, struct stat* st, fuse_file_info* fi) {
    return Fs()->GetAttr(p, st, fi);
  };
  // An open directory's handle is an OpenFile too, that holds only its
  // path (nullpath_ok: readdir, and getattr on it, get none).
  ops.opendir = [](const char* p, fuse_file_info* fi) { return Fs()->OpenDir(p, fi); };
  ops.releasedir = [](const char*, fuse_file_info* fi) {
    delete WalfsFs::File(fi);
    return 0;
  };
  ops.readdir = [](const char*, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info* fi,
                   fuse_readdir_flags) {
    return Fs()->ReadDir(WalfsFs::File(fi)->Path(), buf, fill);
  };
  ops.mkdir = [](const char* p, mode_t mode) { return Fs()->Mkdir(p, mode); };
  ops.unlink = [](const char* p) { return Fs()->Unlink(p); };
  ops.rmdir = [](const char* p) { return Fs()->Rmdir(p); };
  ops.rename = [](const char* a, const char* b, unsigned flags) {
    return Fs()->Rename(a, b, flags);
  };
  ops.truncate = [](const char* p, off_t size, fuse_file_info* fi) {
    return Fs()->Truncate(p, size, fi);
  };
  ops.create = [](const char* p, mode_t mode, fuse_file_info* fi) {
    return Fs()->Create(p, mode, fi);
  };
  ops.open = [](const char* p, fuse_file_info* fi) { return Fs()->Open(p, fi); };
  ops.read = [](const char*, char* buf, size_t n, off_t off, fuse_file_info* fi) {
    return Fs()->Read(buf, n, off, fi);
  };
  ops.write = [](const char*, const char* buf, size_t n, off_t off, fuse_file_info* fi) {
    return Fs()->WriteBytes(buf, n, off, fi);
  };
  ops.flush = [](const char*, fuse_file_info* fi) { return -Fs()->Flush(WalfsFs::File(fi)); };
  ops.fsync = [](const char*, int, fuse_file_info* fi) { return -Fs()->Flush(WalfsFs::File(fi)); };
  ops.release = [](const char*, fuse_file_info* fi) { return Fs()->Release(fi); };
  ops.statfs = [](const char*, struct statvfs* s) {
    std::memset(s, 0, sizeof *s);
    s->f_bsize = s->f_frsize = 4096;
    s->f_blocks = s->f_bfree = s->f_bavail = uint64_t{1} << 32;  // 16 TiB: no quota
    s->f_files = s->f_ffree = uint64_t{1} << 32;
    s->f_namemax = 255;
    return 0;
  };
  // Mode, owner, times and symbolic links are stored in the state machine
  // (entry format 6); hard links, device nodes and FIFOs are refused.
  ops.utimens = [](const char* p, const struct timespec tv[2], fuse_file_info* fi) {
    return Fs()->Utimens(p, tv, fi);
  };
  ops.chmod = [](const char* p, mode_t mode, fuse_file_info* fi) {
    return Fs()->Chmod(p, mode, fi);
  };
  ops.chown = [](const char* p, uid_t uid, gid_t gid, fuse_file_info* fi) {
    return Fs()->Chown(p, uid, gid, fi);
  };
  ops.symlink = [](const char* target, const char* p) { return Fs()->Symlink(target, p); };
  ops.readlink = [](const char* p, char* buf, size_t size) { return Fs()->Readlink(p, buf, size); };
  ops.link = [](const char*, const char*) { return -ENOTSUP; };
  ops.mknod = [](const char*, mode_t, dev_t) { return -ENOTSUP; };
  return ops;
}

}  // namespace

int RunMount(const MountOptions& o) {
  // The first server that answers, before anything is mounted.
  {
    Remote probe(o);
    auto r = probe.Send("GET", "/v1/fs" + EncodePath(o.subdir) + "?stat", "", {});
    if (!r.ok()) {
      spdlog::error("no server answers ({}): {}", o.servers.front(), r.status().message());
      return 1;
    }
    if (r->status != 200) {
      spdlog::error("{} on {}: {} {}", o.subdir, probe.server(), r->status, r->body);
      return 1;
    }
  }
  std::vector<std::string> args = {"walfs", o.mountpoint};
  if (o.foreground) args.push_back("-f");
  std::string opts = "fsname=walfs,subtype=walfs,default_permissions";
  opts += ",max_read=" + std::to_string(kMaxRead);
  if (o.allow_other) opts += ",allow_other";
  if (o.read_only) opts += ",ro";
  double secs = o.attr_timeout_ms / 1000.0;
  opts += ",attr_timeout=" + std::to_string(secs) + ",entry_timeout=" + std::to_string(secs) +
          ",negative_timeout=0";
  args.push_back("-o");
  args.push_back(opts);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  fuse_operations ops = Operations();
  WalfsFs fs(o);
  // fuse_main's steps, with the mount's own loop (fuse_loop.h).
  fuse_args fargs = FUSE_ARGS_INIT(static_cast<int>(argv.size()), argv.data());
  fuse_cmdline_opts cmd{};
  if (fuse_parse_cmdline(&fargs, &cmd) != 0) return 1;
  std::unique_ptr<char, decltype(&std::free)> mountpoint(cmd.mountpoint, &std::free);
  std::unique_ptr<fuse_args, decltype(&fuse_opt_free_args)> free_args(&fargs, &fuse_opt_free_args);
  fuse* f = fuse_new(&fargs, &ops, sizeof ops, &fs);
  if (f == nullptr) return 1;
  std::unique_ptr<fuse, decltype(&fuse_destroy)> destroy(f, &fuse_destroy);
  if (fuse_mount(f, mountpoint.get()) != 0) return 1;
  std::unique_ptr<fuse, decltype(&fuse_unmount)> unmount(f, &fuse_unmount);
  if (fuse_daemonize(cmd.foreground) != 0) return 1;
  fuse_session* se = fuse_get_session(f);
  if (fuse_set_signal_handlers(se) != 0) return 1;
  int e =
      ServeFuse(se, kFuseWorkers, [&fs](bool write, uint64_t fh, uint64_t offset, uint32_t size) {
        return write ? fs.JoinsBuffer(fh, offset, size) : fs.ReadsFetched(fh, offset, size);
      });
  fuse_remove_signal_handlers(se);
  if (e != 0) spdlog::error("the FUSE session ended: {}", std::strerror(e));
  return e == 0 ? 0 : 1;
}

}  // namespace walfs
