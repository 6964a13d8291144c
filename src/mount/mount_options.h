// What `walfs mount` is asked to do (mount.md, "Command").
// Thread-safety: a value, read-only once the mount runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace walfs {

enum class MountConsistency { kSession, kStrong, kEventual };

struct MountOptions {
  std::vector<std::string> servers;  // http(s)://HOST:PORT, in the order they are tried
  std::string mountpoint;
  std::string token;         // bearer token (--token, WALFS_TOKEN)
  std::string cacert;        // PEM of the CAs for https servers
  std::string subdir = "/";  // the walfs directory shown at the mount point
  bool read_only = false;
  bool foreground = false;
  bool allow_other = false;
  MountConsistency consistency = MountConsistency::kSession;
  uint32_t attr_timeout_ms = 1000;
  uint32_t uid = 0, gid = 0;  // the owner shown for files (default: who mounts)
  // Buffered bytes of an open file sent as one write when reached (in the
  // background, while the next buffer fills). Each send costs a few log
  // entries whatever its size: 4 MiB made a 256 MiB cp 0.52x of curl's
  // PUT, 16 MiB 0.64x, 32 MiB 0.73x, 64 MiB 0.74x (docs/performance.md).
  uint64_t write_buffer_bytes = 32 << 20;
  int request_timeout_ms = 30000;  // every request has a deadline
  // The kernel's read-ahead for the mount, set when the mount may (root):
  // 128 KiB (the kernel's) made a cp out of the mount 0.48x of curl's GET,
  // 512 KiB 0.58x; 1 MiB and more was slower (docs/performance.md). 0
  // leaves the kernel's.
  uint32_t read_ahead_kib = 512;
  // Files opened read-only are read around the kernel's page cache
  // (FOPEN_DIRECT_IO): each read(2) goes to the mount, answered from its
  // windows fetched ahead. A 1 GiB cp out of the mount: 0.73x of curl's
  // GET against 0.47x through the page cache on this VM, where a page the
  // kernel has not touched before is dear (docs/performance.md). Costs:
  // no page cache for those opens (a second read fetches again), and a
  // shared mmap of them fails (ENODEV) on kernels that do not let FUSE
  // map direct-I/O files (libfuse 3.14 cannot ask for it).
  bool direct_reads = false;
};

}  // namespace walfs
