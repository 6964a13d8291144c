// ServeFuse: the mount's own loop over a libfuse session, in place of
// libfuse's multi-threaded one. One thread receives every request; a write
// that only joins its open file's buffer (an O_APPEND record, the next
// piece of a sequential write, while the buffer does not fill) and a read
// of bytes fetched already are answered on that thread at once, and every
// other request goes to a pool of workers, since it may wait for a server.
// libfuse's loop woke a worker thread for each request: with 8 writers
// appending 16-byte records, three quarters of the machine's time went to
// the kernel's wake-ups and task switches (docs/performance.md); a
// receiving thread kept busy by a queue of appends takes the next without
// sleeping.
// Thread-safety: runs until the session ends; the workers are joined
// before it returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

struct fuse_session;

namespace walfs {

// cheap(write, fh, offset, size): whether a write (or read) of the open
// file fh is answered without waiting for anything (asked before it is
// processed). Returns 0 when the session ended by an unmount or a signal,
// else an errno.
using Cheap = std::function<bool(bool write, uint64_t fh, uint64_t offset, uint32_t size)>;
int ServeFuse(fuse_session* se, size_t workers, const Cheap& cheap);

}  // namespace walfs
