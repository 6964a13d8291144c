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
// the next write, fsync or close (mount.md, "Writes"). Reads go
// through ReadAhead (windows fetched ahead of a sequential reader). A file
// unlinked through this mount while open keeps nothing: what is written
// to it after is dropped (it must not make the file again), and reads
// and stats of it are ESTALE, but fstat, which shows a link count of 0.
// Thread-safety: mu guards everything but append; a rename moves path.
#pragma once

#include <cstdint>
#include <future>
#include <string>

#include "mount/read_ahead.h"
#include "runtime/mutex.h"

namespace walfs {

struct OpenFile {
  OpenFile(std::string p, bool a) : append(a), path(std::move(p)) {}
  const bool append;  // opened with O_APPEND
  Mutex mu;
  std::string path GUARDED_BY(mu);           // the walfs path, moved by a rename
  std::string pending GUARDED_BY(mu);        // bytes not yet sent
  uint64_t offset GUARDED_BY(mu) = 0;        // where pending starts (not for appends)
  std::future<int> inflight GUARDED_BY(mu);  // a full buffer being sent: its errno
  int error GUARDED_BY(mu) = 0;              // errno of a failed send, not yet returned
  ReadAhead reads GUARDED_BY(mu);            // windows fetched for readers
  bool unlinked GUARDED_BY(mu) = false;      // its path was unlinked through this mount

  std::string Path() {
    MutexLock lock(&mu);
    return path;
  }
};

}  // namespace walfs
