// The POSIX mount (docs/mount.md), driven by coreutils and the shell
// through real FUSE mounts (/dev/fuse; the tests run as root) of real
// replicas; what they wrote is checked through the HTTP API.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "auth/crypto.h"
#include "integration/harness.h"

namespace walfs::testing {
namespace {

bool Mounted(const std::string& dir) {
  std::ifstream m("/proc/mounts");
  std::string line;
  while (std::getline(m, line)) {
    if (line.find(" " + dir + " fuse.walfs ") != std::string::npos) return true;
  }
  return false;
}

// `walfs mount --foreground SERVERS DIR`, unmounted (fusermount3 -u) when
// it goes.
class Mount {
 public:
  Mount(const std::string& servers, const std::string& dir, std::vector<std::string> extra = {})
      : dir_(dir) {
    std::filesystem::create_directories(dir);
    std::vector<std::string> argv = {WALFS_BINARY, "mount", "--foreground", servers, dir};
    argv.insert(argv.end(), extra.begin(), extra.end());
    proc_ = Process(argv, dir + ".log");
    if (!WaitFor([&] { return Mounted(dir) || !proc_.running(); }, std::chrono::seconds(20)) ||
        !Mounted(dir)) {
      std::ifstream log(dir + ".log");
      std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      throw std::runtime_error("walfs mount did not mount " + dir +
                               " (FUSE: /dev/fuse, root): " + text);
    }
  }
  ~Mount() {
    Shell("fusermount3 -u " + dir_ + " 2>&1");
    proc_.Wait(std::chrono::seconds(20));
  }
  const std::string& dir() const { return dir_; }
  // Unmounts; the mount process's exit status.
  int Unmount() {
    auto [rc, out] = Shell("fusermount3 -u " + dir_ + " 2>&1");
    EXPECT_EQ(rc, 0) << out;
    return proc_.Wait(std::chrono::seconds(20));
  }

 private:
  std::string dir_;
  Process proc_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

TEST(MountTest, CoreutilsThroughTheMountSeeWhatTheApiSees) {
  Cluster c(1);
  HttpClient api = c.node(0).Client();
  Mount m(c.node(0).url(), c.dir() + "/mnt");
  const std::string d = m.dir();
  auto sh = [&](const std::string& cmd) {
    auto [rc, out] = Shell("cd " + d + " && " + cmd + " 2>&1");
    EXPECT_EQ(rc, 0) << cmd << ": " << out;
    return out;
  };
  sh("echo hello > a.txt && echo world >> a.txt");
  EXPECT_EQ(api.Get("/v1/fs/a.txt")->body, "hello\nworld\n");
  sh("mkdir -p logs/2026 && mv a.txt logs/2026/b.txt");
  EXPECT_EQ(api.Get("/v1/fs/logs/2026/b.txt")->body, "hello\nworld\n");
  EXPECT_EQ(api.Get("/v1/fs/a.txt")->status, 404);
  // Through the API, seen by the mount.
  ASSERT_EQ(api.Request("PUT", "/v1/fs/logs/api.txt", "from the api")->status, 201);
  EXPECT_EQ(sh("cat logs/api.txt"), "from the api");
  EXPECT_EQ(sh("ls logs"), "2026\napi.txt\n");
  // A file larger than one entry (4 MiB) goes through an upload.
  std::string big = RandomBytes(9 << 20);
  std::ofstream(c.dir() + "/big.bin", std::ios::binary) << big;
  sh("cp " + c.dir() + "/big.bin big.bin && cmp big.bin " + c.dir() + "/big.bin");
  EXPECT_TRUE(api.Get("/v1/fs/big.bin")->body == big);
  EXPECT_EQ(sh("stat -c %s big.bin"), std::to_string(big.size()) + "\n");
  // Writes at offsets, truncate, a gap of zeros.
  sh("printf 0123456789 > w && printf XY | dd of=w bs=1 seek=3 conv=notrunc status=none");
  EXPECT_EQ(api.Get("/v1/fs/w")->body, "012XY56789");
  sh("truncate -s 4 w && truncate -s 6 w");
  EXPECT_EQ(api.Get("/v1/fs/w")->body, std::string("012X\0\0", 6));
  // Errors as errno.
  auto [rc, out] = Shell("cd " + d + " && rmdir logs 2>&1");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("not empty"), std::string::npos) << out;
  std::tie(rc, out) = Shell("cd " + d + " && (set -o noclobber && echo x > w) 2>&1");
  EXPECT_NE(rc, 0) << "O_EXCL on an existing file";
  std::tie(rc, out) = Shell("cd " + d + " && cat missing 2>&1");
  EXPECT_NE(out.find("No such file"), std::string::npos) << out;
  std::tie(rc, out) = Shell("cd " + d + " && ln w hard 2>&1");
  EXPECT_NE(rc, 0) << "hard links are not supported";
  sh("rm -r logs big.bin");
  EXPECT_EQ(api.Get("/v1/fs/logs")->status, 404);
  EXPECT_EQ(sh("ls"), "w\n");
  EXPECT_EQ(m.Unmount(), 0);
  EXPECT_FALSE(Mounted(d));
}

// 8 processes append records with >> through mounts of 3 replicas: every
// record lands once and whole, and every mount and replica ends with the
// same file.
TEST(MountTest, AppendsFromEightProcessesThroughMountsOfThreeReplicas) {
  Cluster c(3);
  std::vector<std::unique_ptr<Mount>> mounts;
  for (size_t i = 0; i < 3; ++i) {
    // Each mount knows every replica, its own first.
    std::string servers = c.node(i).url() + "," + c.node((i + 1) % 3).url();
    mounts.push_back(std::make_unique<Mount>(servers, c.dir() + "/m" + std::to_string(i)));
  }
  const int kWriters = 8, kRecords = 200;
  std::string script;
  for (int w = 0; w < kWriters; ++w) {
    script += "(for i in $(seq 1 " + std::to_string(kRecords) + "); do echo \"writer" +
              std::to_string(w) + " record $i padded-to-be-longer-than-a-few-bytes\" >> " +
              mounts[w % 3]->dir() + "/shared.log; done) & ";
  }
  auto [rc, out] = Shell(script + "wait");
  ASSERT_EQ(rc, 0) << out;
  // Every process has closed its file: each mount reads the whole file
  // (close-to-open through the same mount; the others at the log's end).
  std::string want = c.node(0).Client().Get("/v1/fs/shared.log?consistency=strong")->body;
  std::map<std::string, int> seen;
  size_t at = 0;
  while (at < want.size()) {
    size_t nl = want.find('\n', at);
    ASSERT_NE(nl, std::string::npos) << "a torn last record";
    ++seen[want.substr(at, nl - at)];
    at = nl + 1;
  }
  EXPECT_EQ(seen.size(), size_t{kWriters * kRecords});
  for (const auto& [record, n] : seen) {
    EXPECT_EQ(n, 1) << record;
    EXPECT_NE(record.find("padded-to-be-longer-than-a-few-bytes"), std::string::npos) << record;
  }
  for (size_t i = 0; i < 3; ++i) {
    HttpClient h = c.node(i).Client();
    EXPECT_TRUE(h.Get("/v1/fs/shared.log?consistency=strong")->body == want) << "replica " << i;
    EXPECT_TRUE(ReadFile(mounts[i]->dir() + "/shared.log") == want) << "mount " << i;
  }
}

}  // namespace
}  // namespace walfs::testing
