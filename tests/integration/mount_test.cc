// The POSIX mount (docs/mount.md), driven by coreutils and the shell
// through real FUSE mounts (/dev/fuse; the tests run as root) of real
// replicas; what they wrote is checked through the HTTP API.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <sstream>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

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
  // An open descriptor follows its file through a rename.
  sh("bash -c 'exec 3>>open.log; echo one >&3; mv open.log moved.log; echo two >&3; exec 3>&-'");
  EXPECT_EQ(api.Get("/v1/fs/moved.log")->body, "one\ntwo\n");
  EXPECT_EQ(api.Get("/v1/fs/open.log")->status, 404);
  // A file unlinked while open does not come back with what is written after.
  sh("bash -c 'exec 3>tmp.f; echo a >&3; rm tmp.f; echo b >&3; exec 3>&-'");
  EXPECT_EQ(api.Get("/v1/fs/tmp.f")->status, 404);
  sh("rm -r logs big.bin moved.log");
  EXPECT_EQ(api.Get("/v1/fs/logs")->status, 404);
  EXPECT_EQ(sh("ls"), "w\n");
  EXPECT_EQ(m.Unmount(), 0);
  EXPECT_FALSE(Mounted(d));
}

// Pages of path the kernel holds in the page cache of its mount (mincore
// over a shared mapping of a read-write open, which is never direct), or
// -1.
long CachedPages(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR);
  if (fd < 0) return -1;
  struct stat st {};
  long pages = -1;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    size_t length = static_cast<size_t>(st.st_size);
    void* at = ::mmap(nullptr, length, PROT_NONE, MAP_SHARED, fd, 0);
    if (at != MAP_FAILED) {
      std::vector<unsigned char> resident((length + page - 1) / page);
      if (::mincore(at, length, resident.data()) == 0) {
        pages = 0;
        for (unsigned char r : resident) pages += r & 1;
      }
      ::munmap(at, length);
    }
  }
  ::close(fd);
  return pages;
}

// --direct-reads: a file opened read-only is read around the page cache
// (every byte right, at any offset, and none of it left cached), where a
// default mount caches what it read.
TEST(MountTest, DirectReadsLeaveThePageCacheAlone) {
  Cluster c(1);
  HttpClient api = c.node(0).Client();
  std::string data = RandomBytes((3 << 20) + 12345);
  ASSERT_EQ(api.Request("PUT", "/v1/fs/d.bin", data)->status, 201);
  std::ofstream(c.dir() + "/d.bin", std::ios::binary) << data;
  Mount direct(c.node(0).url(), c.dir() + "/direct", {"--direct-reads"});
  Mount cached(c.node(0).url(), c.dir() + "/cached");
  for (const Mount* m : {&direct, &cached}) {
    const std::string f = m->dir() + "/d.bin";
    auto [rc, out] = Shell("cmp " + f + " " + c.dir() + "/d.bin 2>&1");
    EXPECT_EQ(rc, 0) << m->dir() << ": " << out;
    // Unaligned ranges, the last one past the end.
    for (uint64_t at : {uint64_t{1}, uint64_t{(1 << 20) - 7}, uint64_t{data.size() - 100}}) {
      int fd = ::open(f.c_str(), O_RDONLY);
      ASSERT_GE(fd, 0) << f;
      std::string got(300000, '\0');
      ssize_t n = ::pread(fd, got.data(), got.size(), static_cast<off_t>(at));
      ::close(fd);
      ASSERT_GE(n, 0) << f << " at " << at;
      got.resize(static_cast<size_t>(n));
      EXPECT_TRUE(got == data.substr(at, got.size())) << f << " at " << at;
      EXPECT_EQ(got.size(), std::min<size_t>(300000, data.size() - at));
    }
  }
  EXPECT_EQ(CachedPages(direct.dir() + "/d.bin"), 0);
  EXPECT_GT(CachedPages(cached.dir() + "/d.bin"), 0);
}

// Modes, owners, times and symbolic links set through the mount of one
// replica are the same through the HTTP API and the mount of another, and
// the kernel checks access against them; a write through a mount is read
// on another replica with the position of the first, and the reverse.
// A cluster split into volumes (root on one Redis, /big on another): the
// mount reaches both; rename(2) across them fails with EXDEV, so mv copies
// and unlinks, as across file systems.
TEST(MountTest, ARenameAcrossVolumesIsExdevAndMvCopies) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/redis-root");
  std::filesystem::create_directories(dir.path() + "/redis-big");
  RedisServer root(dir.path() + "/redis-root"), big(dir.path() + "/redis-big");
  ServeProcess server(dir.path() + "/r0", root.url("root"), "r0",
                      {"--volume", "big=/big@" + big.url("big")});
  server.Start();
  ASSERT_TRUE(server.WaitReady());
  HttpClient api = server.Client();
  Mount m(server.url(), dir.path() + "/mnt");
  const std::string d = m.dir();
  auto sh = [&](const std::string& cmd) {
    auto [rc, out] = Shell("cd " + d + " && " + cmd + " 2>&1");
    EXPECT_EQ(rc, 0) << cmd << ": " << out;
    return out;
  };
  sh("mkdir big && echo in-big > big/a.txt && echo in-root > r.txt");
  auto r = api.Get("/v1/fs/big/a.txt");
  EXPECT_EQ(r->body, "in-big\n");
  EXPECT_EQ(r->header("x-walfs-position").rfind("big:", 0), 0u);
  EXPECT_EQ(sh("cat big/a.txt"), "in-big\n");
  EXPECT_EQ(sh("/usr/bin/python3 -c \"import errno, os\n"
               "try:\n  os.rename('r.txt', 'big/r.txt')\n"
               "except OSError as e:\n  print(errno.errorcode[e.errno])\""),
            "EXDEV\n");
  EXPECT_EQ(api.Get("/v1/fs/r.txt")->body, "in-root\n");  // nothing moved
  sh("mv r.txt big/r.txt");
  EXPECT_EQ(api.Get("/v1/fs/big/r.txt")->body, "in-root\n");
  EXPECT_EQ(api.Get("/v1/fs/r.txt")->status, 404);
  // Within one volume, a rename is one entry as always.
  sh("mv big/r.txt big/s.txt");
  EXPECT_EQ(api.Get("/v1/fs/big/s.txt")->body, "in-root\n");
}

TEST(MountTest, ModesOwnersTimesAndLinksAreTheSameOnEveryReplica) {
  Cluster c(2);
  // Another user may reach the mount point (the test directory is 0700).
  std::filesystem::permissions(c.dir(), std::filesystem::perms::others_exec,
                               std::filesystem::perm_options::add);
  Mount a(c.node(0).url(), c.dir() + "/a", {"--allow-other"});
  Mount b(c.node(1).url(), c.dir() + "/b", {"--consistency", "strong", "--attr-timeout-ms", "0"});
  auto sh = [&](const std::string& cmd) {
    auto [rc, out] = Shell(cmd + " 2>&1");
    EXPECT_EQ(rc, 0) << cmd << ": " << out;
    return out;
  };
  const std::string A = a.dir(), B = b.dir();
  sh("umask 022 && cd " + A + " && echo secret > f && chmod 640 f && chown 1000:1001 f");
  sh("cd " + A + " && touch -m -d '2001-02-03 04:05:06.789' f && ln -s f link && mkdir -m 700 d");
  // Replica 0 applied the mount's writes before close returned: its
  // position is a token that replica 1 waits for.
  HttpClient h0 = c.node(0).Client(), h1 = c.node(1).Client();
  std::string token = h0.Get("/v1/fs/?stat")->header("x-walfs-position");
  ASSERT_FALSE(token.empty());
  auto st = h1.Get("/v1/fs/f?stat&min_position=" + token);
  ASSERT_EQ(st->status, 200) << st->body;
  auto j = nlohmann::json::parse(st->body);
  EXPECT_EQ(j["mode"], "0640");
  EXPECT_EQ(j["uid"], 1000);
  EXPECT_EQ(j["gid"], 1001);
  EXPECT_EQ(j["mtime"], "2001-02-03T04:05:06.789Z");
  auto link = nlohmann::json::parse(h1.Get("/v1/fs/link?stat&min_position=" + token)->body);
  EXPECT_EQ(link["type"], "symlink");
  EXPECT_EQ(link["target"], "f");
  EXPECT_EQ(nlohmann::json::parse(h1.Get("/v1/fs/d?stat&min_position=" + token)->body)["mode"],
            "0700");
  // The other replica's mount shows the same.
  EXPECT_EQ(sh("stat -c '%a %u %g %y' " + B + "/f"),
            "640 1000 1001 2001-02-03 04:05:06.789000000 +0000\n");
  EXPECT_EQ(sh("readlink " + B + "/link"), "f\n");
  EXPECT_EQ(sh("cat " + B + "/link"), "secret\n");
  EXPECT_EQ(sh("stat -c '%A' " + B + "/d"), "drwx------\n");
  // The kernel checks access against them: another user reads nothing.
  auto [rc, out] = Shell("setpriv --reuid 65534 --regid 65534 --clear-groups cat " + A + "/f 2>&1");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("Permission denied"), std::string::npos) << out;
  sh("chmod 644 " + A + "/f");
  EXPECT_EQ(sh("setpriv --reuid 65534 --regid 65534 --clear-groups cat " + A + "/f"), "secret\n");
  // The reverse: written through HTTP on replica 1, read through the
  // strong mount of replica 1 and the session mount of replica 0 after
  // it has applied that position.
  auto w = h1.Request("PUT", "/v1/fs/from-api", "api bytes");
  ASSERT_EQ(w->status, 201);
  std::string pos = w->header("x-walfs-position");
  EXPECT_EQ(sh("cat " + B + "/from-api"), "api bytes");
  ASSERT_EQ(h0.Get("/v1/fs/from-api?min_position=" + pos)->status, 200);
  EXPECT_EQ(sh("cat " + A + "/from-api"), "api bytes");
  EXPECT_EQ(sh("stat -c '%a' " + A + "/from-api"), "644\n");  // no attributes: the defaults
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

// A mount given two replicas moves to the second when the first dies, and
// reads there never show less than it wrote (its position token); with
// no replica left, calls fail within --timeout-ms instead of hanging.
TEST(MountTest, FailsOverToTheNextServerAndNeverHangs) {
  Cluster c(2);
  Mount m(c.node(0).url() + "," + c.node(1).url(), c.dir() + "/mnt",
          {"--timeout-ms", "2000", "--attr-timeout-ms", "0"});
  const std::string f = m.dir() + "/log";
  auto sh = [&](const std::string& cmd) { return Shell(cmd + " 2>&1"); };
  std::string want;
  for (int i = 0; i < 50; ++i) {
    std::string line = "before " + std::to_string(i) + "\n";
    ASSERT_EQ(sh("printf '" + line + "' >> " + f).first, 0);
    want += line;
  }
  c.node(0).Kill(9);
  c.node(0).Stop();
  // The first call after the death finds the next server; nothing written
  // before is missing there, nothing after is lost.
  for (int i = 0; i < 50; ++i) {
    std::string line = "after " + std::to_string(i) + "\n";
    auto [rc, out] = sh("printf '" + line + "' >> " + f);
    ASSERT_EQ(rc, 0) << out;
    want += line;
  }
  EXPECT_EQ(ReadFile(f), want);
  EXPECT_EQ(c.node(1).Client().Get("/v1/fs/log")->body, want);
  // No server: an error, soon.
  c.node(1).Kill(9);
  c.node(1).Stop();
  auto start = std::chrono::steady_clock::now();
  auto [rc, out] = sh("cat " + f + " > /dev/null; ls " + m.dir() + "/missing");
  EXPECT_NE(rc, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15)) << out;
}

// One POSIX call applied to a root (the mount, or a local directory): its
// result (>= 0) or -errno, and what it read.
struct Did {
  int rc = 0;
  std::string read;
  bool operator==(const Did&) const = default;
};

class Differential {
 public:
  explicit Differential(uint64_t seed) : rng_(seed) {}

  // A random operation, described and applied to root.
  std::string Next() {
    std::string p = Name(), q = Name();
    switch (Pick(9)) {
      case 0:
      case 1: {  // open with flags, write, close
        static const int kFlags[] = {O_CREAT,          O_CREAT | O_TRUNC, O_CREAT | O_APPEND,
                                     O_CREAT | O_EXCL, O_APPEND,          0};
        int flags = kFlags[Pick(6)];
        return "write " + std::to_string(flags) + " " + p + " " + std::to_string(Pick(3000)) + " " +
               std::to_string(1 + Pick(2000)) + " " + std::to_string(Pick(1000000));
      }
      case 2:
        return "read " + p;
      case 3:
        return "truncate " + p + " " + std::to_string(Pick(4000));
      case 4:
        return "rename " + p + " " + q;
      case 5:
        return "unlink " + p;
      case 6:
        return "mkdir " + p;
      case 7:
        return "rmdir " + p;
      default:
        return "stat " + p;
    }
  }

  static Did Apply(const std::string& root, const std::string& op) {
    std::istringstream in(op);
    std::string what, p;
    in >> what;
    Did d;
    auto ret = [&](int rc) {
      d.rc = rc < 0 ? -errno : rc;
      return d;
    };
    if (what == "write") {
      int flags;
      uint64_t offset, len, fill;
      in >> flags >> p >> offset >> len >> fill;
      int fd = ::open((root + p).c_str(), O_WRONLY | flags, 0644);
      if (fd < 0) return ret(-1);
      std::string data(len, static_cast<char>('a' + fill % 26));
      for (size_t i = 0; i < data.size(); i += 7)
        data[i] = static_cast<char>('0' + (fill + i) % 10);
      ssize_t n = (flags & O_APPEND) ? ::write(fd, data.data(), data.size())
                                     : ::pwrite(fd, data.data(), data.size(), offset);
      int e = n < 0 ? -errno : 0;
      int c = ::close(fd);
      d.rc = e != 0 ? e : c < 0 ? -errno : static_cast<int>(n);
      return d;
    }
    in >> p;
    std::string path = root + p;
    if (what == "read") {
      int fd = ::open(path.c_str(), O_RDONLY);
      if (fd < 0) return ret(-1);
      char buf[65536];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) d.read.append(buf, n);
      d.rc = n < 0 ? -errno : 0;
      ::close(fd);
      return d;
    }
    if (what == "truncate") {
      off_t size;
      in >> size;
      return ret(::truncate(path.c_str(), size));
    }
    if (what == "rename") {
      std::string q;
      in >> q;
      return ret(::rename(path.c_str(), (root + q).c_str()));
    }
    if (what == "unlink") return ret(::unlink(path.c_str()));
    if (what == "mkdir") return ret(::mkdir(path.c_str(), 0755));
    if (what == "rmdir") return ret(::rmdir(path.c_str()));
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return ret(-1);
    d.read = S_ISDIR(st.st_mode) ? "dir" : "file " + std::to_string(st.st_size);
    return d;
  }

 private:
  // Few names, so that operations meet: files and directories at two levels.
  std::string Name() {
    static const char* kNames[] = {"/a", "/b", "/c", "/d", "/a/x", "/a/y", "/d/x"};
    return kNames[Pick(7)];
  }
  uint64_t Pick(uint64_t n) { return rng_() % n; }
  std::mt19937_64 rng_;
};

// A seeded random sequence of file and directory operations applied to
// the mount and to a local directory in lockstep: the same results, errno
// and bytes, and the same trees at the end. (It found O_TRUNC ignored, and
// a directory not replacing an empty one as POSIX's rename does.)
TEST(MountTest, RandomOperationsMatchALocalDirectory) {
  Cluster c(1);
  Mount m(c.node(0).url(), c.dir() + "/mnt");
  std::string local = c.dir() + "/local";
  std::filesystem::create_directories(local);
  int compared = 0;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    Differential gen(seed);
    for (int i = 0; i < 400; ++i) {
      std::string op = gen.Next();
      Did want = Differential::Apply(local, op);
      if (std::getenv("WALFS_DIFF_TRACE")) std::printf("%d %s\n", i, op.c_str());
      Did got = Differential::Apply(m.dir(), op);
      ASSERT_EQ(got.rc, want.rc) << "seed " << seed << " op " << i << ": " << op << " ("
                                 << std::strerror(-got.rc) << " vs " << std::strerror(-want.rc)
                                 << ")";
      ASSERT_TRUE(got.read == want.read)
          << "seed " << seed << " op " << i << ": " << op << ": mount " << got.read.substr(0, 80)
          << " (" << got.read.size() << " bytes), local " << want.read.substr(0, 80) << " ("
          << want.read.size() << " bytes)";
      ++compared;
    }
  }
  // The trees end the same, byte for byte.
  auto [rc, diff] = Shell("diff -r " + local + " " + m.dir() + " 2>&1");
  EXPECT_EQ(rc, 0) << diff;
  std::printf("%d operations compared\n", compared);
}

}  // namespace
}  // namespace walfs::testing
