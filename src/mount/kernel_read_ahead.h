// SetKernelReadAhead: how far ahead the kernel reads a file of a FUSE mount
// (the read_ahead_kb of the mount's backing device). The kernel starts a
// FUSE mount at 128 KiB and lets nothing but root's write to sysfs raise
// it; at 128 KiB a sequential reader has one 128 KiB read in flight at a
// time, and the round trips bound it (docs/performance.md).
// Thread-safety: a function, safe anywhere.
#pragma once

#include <string>

#include "core/status.h"

namespace walfs {

// Finds mountpoint in /proc/self/mountinfo (its device, MAJOR:MINOR) and
// writes kib to /sys/class/bdi/MAJOR:MINOR/read_ahead_kb. Fails with the
// reason (not mounted, not root).
Status SetKernelReadAhead(const std::string& mountpoint, unsigned kib);

// The device of mountpoint in a mountinfo text ("MAJOR:MINOR"), or empty:
// the last mount there wins; names are octal-escaped (\040 for a space).
std::string MountDevice(const std::string& mountinfo, const std::string& mountpoint);

}  // namespace walfs
