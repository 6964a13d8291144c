// OpenFile: what a mount holds for one open file or directory
// (fuse_file_info::fh): its path, and for a file the writes made through
// it and not yet sent. Appends (O_APPEND) are kept in order and sent as
// one append, so that each write() lands whole, in the writer's order,
// never interleaved with another writer's; other writes are kept while
// they extend one contiguous run and sent as one write at its offset. Sent
// when the buffer fills, on fsync, on flush (close) and before a stat,
// read, truncate or rename of the same file; an error of a send is kept
// and returned by the next fsync or close (mount.md, "Writes").
// Thread-safety: mu guards everything but append; a rename moves path.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/mutex.h"

namespace walfs {

struct OpenFile {
  OpenFile(std::string p, bool a) : append(a), path(std::move(p)) {}
  const bool append;  // opened with O_APPEND
  Mutex mu;
  std::string path GUARDED_BY(mu);     // the walfs path, moved by a rename
  std::string pending GUARDED_BY(mu);  // bytes not yet sent
  uint64_t offset GUARDED_BY(mu) = 0;  // where pending starts (not for appends)
  int error GUARDED_BY(mu) = 0;        // errno of a failed send, not yet returned

  std::string Path() {
    MutexLock lock(&mu);
    return path;
  }
};

}  // namespace walfs
