// OpenFile: what a mount holds for one open file or directory
// (fuse_file_info::fh): its path, and for a file the writes made through
// it and not yet sent. Appends (O_APPEND) are kept in order and sent as
// one append, so that each write() lands whole, in the writer's order,
// never interleaved with another writer's; other writes are kept while
// they extend one contiguous run and sent as one write at its offset. Sent
// when the buffer fills (in the background, while the next fills: one
// send in flight at a time, so they land in order), on fsync, on flush
// (close) and before a stat, read, truncate or rename of the same file
// (after the one in flight); an error of a send is kept and returned by
// the next write, fsync or close (mount.md, "Writes"). Reads that
// go on where the last one ended fetch kReadAheadBytes at once. A file
// unlinked through this mount while open keeps nothing: what is written
// to it after is dropped (it must not make the file again), and reads
// and stats of it are ESTALE, but fstat, which shows a link count of 0.
// Thread-safety: mu guards everything but append; a rename moves path.
#pragma once

#include <cstdint>
#include <future>
#include <string>

#include "runtime/mutex.h"

namespace walfs {

inline constexpr size_t kReadAheadBytes = 2 << 20;

struct OpenFile {
  OpenFile(std::string p, bool a) : append(a), path(std::move(p)) {}
  const bool append;  // opened with O_APPEND
  Mutex mu;
  std::string path GUARDED_BY(mu);           // the walfs path, moved by a rename
  std::string pending GUARDED_BY(mu);        // bytes not yet sent
  uint64_t offset GUARDED_BY(mu) = 0;        // where pending starts (not for appends)
  std::future<int> inflight GUARDED_BY(mu);  // a full buffer being sent: its errno
  int error GUARDED_BY(mu) = 0;              // errno of a failed send, not yet returned
  // Read ahead: bytes from ahead_offset, fetched when the mount had made
  // ahead_writes writes (Remote::writes); stale once it has made more.
  std::string ahead GUARDED_BY(mu);
  uint64_t ahead_offset GUARDED_BY(mu) = 0;
  uint64_t ahead_writes GUARDED_BY(mu) = 0;
  uint64_t next_read GUARDED_BY(mu) = 0;  // where a sequential read goes on
  bool unlinked GUARDED_BY(mu) = false;   // its path was unlinked through this mount

  std::string Path() {
    MutexLock lock(&mu);
    return path;
  }
};

}  // namespace walfs
