// The mount's errno table (mount.md, "Errors"): every code of the contract.
#include "mount/errno_map.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace walfs {
namespace {

TEST(ErrnoMapTest, TheContractsTable) {
  EXPECT_EQ(ErrnoForAnswer(200, "", false), 0);
  EXPECT_EQ(ErrnoForAnswer(201, "", true), 0);
  EXPECT_EQ(ErrnoForAnswer(404, "not_found", false), ENOENT);
  EXPECT_EQ(ErrnoForAnswer(400, "cross_volume", true), EXDEV);  // rename(2) across volumes
  EXPECT_EQ(ErrnoForAnswer(409, "already_exists", true), EEXIST);
  EXPECT_EQ(ErrnoForAnswer(409, "not_a_directory", true), ENOTDIR);
  EXPECT_EQ(ErrnoForAnswer(409, "is_a_directory", true), EISDIR);
  EXPECT_EQ(ErrnoForAnswer(409, "not_empty", true), ENOTEMPTY);
  EXPECT_EQ(ErrnoForAnswer(413, "too_large", true), EFBIG);
  EXPECT_EQ(ErrnoForAnswer(412, "precondition_failed", true), EIO);
  EXPECT_EQ(ErrnoForAnswer(422, "idempotency_key_reused", true), EIO);
  EXPECT_EQ(ErrnoForAnswer(504, "timeout", true), ETIMEDOUT);
  EXPECT_EQ(ErrnoForAnswer(403, "forbidden", false), EACCES);
  EXPECT_EQ(ErrnoForAnswer(401, "unauthorized", false), EACCES);
  // Writes wait for the log; a read is served elsewhere or fails.
  EXPECT_EQ(ErrnoForAnswer(503, "log_unavailable", true), EAGAIN);
  EXPECT_EQ(ErrnoForAnswer(503, "not_ready", true), EAGAIN);
  EXPECT_EQ(ErrnoForAnswer(503, "not_ready", false), EIO);
  // An answer without a known code: by its status.
  EXPECT_EQ(ErrnoForAnswer(404, "", false), ENOENT);
  EXPECT_EQ(ErrnoForAnswer(429, "", true), EAGAIN);
  EXPECT_EQ(ErrnoForAnswer(500, "internal", true), EIO);
  EXPECT_EQ(ErrnoForTransport(Status(Code::kTimeout, "slow")), ETIMEDOUT);
  EXPECT_EQ(ErrnoForTransport(Status(Code::kIoError, "refused")), EIO);
}

}  // namespace
}  // namespace walfs
