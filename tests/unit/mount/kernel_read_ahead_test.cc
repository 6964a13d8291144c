// MountDevice: a mount's device, from /proc/self/mountinfo's text.
#include "mount/kernel_read_ahead.h"

#include <gtest/gtest.h>

namespace walfs {
namespace {

TEST(KernelReadAheadTest, FindsTheDeviceOfTheLastMountAtThePoint) {
  std::string info =
      "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
      "97 22 0:45 / /tmp/w/mnt rw,nosuid,nodev - fuse.walfs walfs rw,user_id=0\n"
      "98 97 0:46 / /tmp/w/mnt rw,nosuid,nodev - fuse.walfs walfs rw,user_id=0\n"
      "99 22 0:47 / /tmp/with\\040space rw - fuse.walfs walfs rw\n";
  EXPECT_EQ(MountDevice(info, "/tmp/w/mnt"), "0:46");
  EXPECT_EQ(MountDevice(info, "/tmp/with space"), "0:47");
  EXPECT_EQ(MountDevice(info, "/tmp/w"), "");
  EXPECT_EQ(MountDevice("garbage\n\n", "/tmp/w/mnt"), "");
}

TEST(KernelReadAheadTest, ANotMountedPointIsAnError) {
  Status s = SetKernelReadAhead("/no/such/mount/point", 512);
  EXPECT_EQ(s.code(), Code::kNotFound);
}

}  // namespace
}  // namespace walfs
