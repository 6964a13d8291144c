// WalfsFs: the POSIX view of a walfs namespace (mount.md), as libfuse3's
// high-level operations over the HTTP API: each FUSE call becomes reads and
// writes of /v1/fs through Remote; open files buffer their writes
// (mount/open_file.h). RunMount mounts it and serves until unmounted.
// Thread-safety: FUSE calls the operations from several threads; WalfsFs
// guards its own state.
#pragma once

#include <string>

#include "mount/mount_options.h"

namespace walfs {

// Mounts o.mountpoint and serves it until it is unmounted (fusermount3 -u,
// umount); without o.foreground it returns in the parent once mounted and
// serves from a child. The exit status: 0 when it worked.
int RunMount(const MountOptions& o);

}  // namespace walfs
