// OpenFile: what a mount holds for one open file (fuse_file_info::fh):
// the writes made through it and not yet sent. Appends (O_APPEND) are
// kept in order and sent as one append, so that each write() lands whole,
// in the writer's order, never interleaved with another writer's; other
// writes are kept while they extend one contiguous run and sent as one
// write at its offset. Sent when the buffer fills, on fsync, on flush
// (close) and before a read of the same file; an error of a send is kept
// and returned by the next fsync or close (mount.md, "Writes").
// Thread-safety: mu guards everything but path and append.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/mutex.h"

namespace walfs {

struct OpenFile {
  OpenFile(std::string p, bool a) : path(std::move(p)), append(a) {}
  const std::string path;  // the walfs path
  const bool append;       // opened with O_APPEND
  Mutex mu;
  std::string pending GUARDED_BY(mu);  // bytes not yet sent
  uint64_t offset GUARDED_BY(mu) = 0;  // where pending starts (not for appends)
  int error GUARDED_BY(mu) = 0;        // errno of a failed send, not yet returned
};

}  // namespace walfs
