// Files of 2 GiB and 10 GiB through real processes (make faults; too long
// for make test): streamed into one replica with chunked encoding from a
// generator, read back through another, compared by sha256. The log stays
// bounded by snapshots taken by bytes, so Redis never holds the whole file.
// Needs about 3x the largest file of free disk (two stores and the backup).
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <cstdio>
#include <fstream>

#include "integration/harness.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

std::string Run(const std::string& cmd) { return Shell(cmd).second; }

void PutAndReadBack(uint64_t bytes) {
  TempDir backup;
  struct statvfs v {};
  ASSERT_EQ(::statvfs(backup.path().c_str(), &v), 0);
  uint64_t free_bytes = static_cast<uint64_t>(v.f_bavail) * v.f_frsize;
  ASSERT_GT(free_bytes, 3 * bytes + (4ull << 30))
      << "this test needs about " << (3 * bytes >> 30) + 4 << " GiB of free disk";
  Cluster c(2, false,
            {"--backup", "dir://" + backup.path(), "--snapshot-every-entries", "0",
             "--snapshot-every-ms", "0", "--snapshot-every-bytes", "1073741824"});
  std::string want = backup.path() + "/want.sha256";
  // Distinct 4 MiB blocks from a generator, hashed on their way to curl.
  std::string script = backup.path() + "/put.sh";
  std::ofstream(script) << "set -o pipefail\n"
                        << "/usr/bin/python3 -c '\n"
                        << "import os, sys\n"
                        << "b = os.urandom(4 << 20); n = " << bytes << "\n"
                        << "while n > 0:\n"
                        << "    k = min(n, len(b)); sys.stdout.buffer.write(b[:k]); n -= k\n"
                        << "    b = b[1:] + b[:1]\n"
                        << "' | tee >(sha256sum > " << want << ") | curl -s -S --fail -X PUT -T - '"
                        << c.node(0).url() << "/v1/fs/large/file?timeout_ms=60000'\n";
  std::string answer = Run("bash " + script);
  json j = json::parse(answer, nullptr, false);
  ASSERT_TRUE(j.is_object() && j.value("size", uint64_t{0}) == bytes) << answer;
  std::string got = Run("curl -s --fail '" + c.node(1).url() +
                        "/v1/fs/large/file?consistency=strong&timeout_ms=60000' | sha256sum");
  ASSERT_TRUE(WaitFor([&] { return !Run("cat " + want).empty(); }, 10s));
  EXPECT_EQ(got.substr(0, 64), Run("cat " + want).substr(0, 64));
  // The log was trimmed as the bytes came: it holds far less than the file.
  HttpClient c0 = c.node(0).Client();
  auto view = Json(*c0.Get("/v1/cluster"));
  EXPECT_LT(view["log"]["bytes"].get<uint64_t>(), 3ull << 30) << view.dump();
}

TEST(LargeFilesTest, TwoGiBThroughAnotherReplica) { PutAndReadBack(2ull << 30); }

TEST(LargeFilesTest, TenGiBThroughAnotherReplica) { PutAndReadBack(10ull << 30); }

}  // namespace
}  // namespace walfs::testing
