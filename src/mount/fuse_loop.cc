#define FUSE_USE_VERSION 35
#include "mount/fuse_loop.h"

#include <fuse_lowlevel.h>
#include <linux/fuse.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace walfs {
namespace {

// Whether the request in buf is a read or write that cheap takes.
bool IsCheap(const fuse_buf& buf, const Cheap& cheap) {
  fuse_in_header in;
  if (buf.size < sizeof in + sizeof(fuse_write_in)) return false;
  std::memcpy(&in, buf.mem, sizeof in);
  const char* arg = static_cast<const char*>(buf.mem) + sizeof in;
  if (in.opcode == FUSE_WRITE) {
    fuse_write_in w;
    std::memcpy(&w, arg, sizeof w);
    return cheap(true, w.fh, w.offset, w.size);
  }
  if (in.opcode == FUSE_READ) {
    fuse_read_in r;
    std::memcpy(&r, arg, sizeof r);
    return cheap(false, r.fh, r.offset, r.size);
  }
  return false;
}

}  // namespace

int ServeFuse(fuse_session* se, size_t workers, const Cheap& cheap) {
  boost::asio::thread_pool pool(workers);
  fuse_buf buf{};
  int result = 0;
  while (!fuse_session_exited(se)) {
    int n = fuse_session_receive_buf(se, &buf);
    if (n == -EINTR) continue;
    if (n <= 0) {
      result = n < 0 ? -n : 0;
      break;
    }
    if ((buf.flags & FUSE_BUF_IS_FD) != 0 || IsCheap(buf, cheap)) {
      fuse_session_process_buf(se, &buf);
      continue;
    }
    // A copy of the request for a worker (the buffer is this thread's for
    // the next one).
    auto mem =
        std::shared_ptr<char>(static_cast<char*>(std::malloc(static_cast<size_t>(n))), std::free);
    if (!mem) {
      fuse_session_process_buf(se, &buf);
      continue;
    }
    std::memcpy(mem.get(), buf.mem, static_cast<size_t>(n));
    boost::asio::post(pool, [se, mem, n, flags = buf.flags] {
      fuse_buf copy{};
      copy.size = static_cast<size_t>(n);
      copy.flags = flags;
      copy.mem = mem.get();
      fuse_session_process_buf(se, &copy);
    });
  }
  pool.join();
  std::free(buf.mem);
  fuse_session_reset(se);
  return result == ENODEV ? 0 : result;
}

}  // namespace walfs
