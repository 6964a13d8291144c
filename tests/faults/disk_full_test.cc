// Disk full under one replica's data directory (make faults; needs root to
// mount a tmpfs): its applier pauses without committing half a batch,
// /readyz answers 503 and writes through it are refused while reads go on;
// when space returns it resumes by itself, and after a SIGKILL while full it
// restarts and catches up. The store is never corrupted: it ends with the
// same digest as the others.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "faults/history.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A small tmpfs, unmounted when done.
class SmallDisk {
 public:
  SmallDisk(const std::string& dir, const std::string& size) : dir_(dir) {
    fs::create_directories(dir);
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) != 0) {
      throw std::runtime_error("cannot mount a tmpfs on " + dir +
                               " (the disk-full scenario needs root): " + std::strerror(errno));
    }
  }
  ~SmallDisk() { ::umount2(dir_.c_str(), MNT_DETACH); }
  // Fills what is left with a ballast file; returns its size.
  uint64_t Fill() {
    std::ofstream f(Ballast(), std::ios::binary | std::ios::app);
    std::string mib(1 << 20, 'x');
    uint64_t n = 0;
    while (f.write(mib.data(), static_cast<std::streamsize>(mib.size())) && f.flush())
      n += mib.size();
    return n;
  }
  void Free() { fs::remove(Ballast()); }

 private:
  std::string Ballast() const { return dir_ + "/ballast"; }
  std::string dir_;
};

std::string LogTail(ServeProcess& p) {
  std::ifstream f(p.log_path());
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return all.substr(all.size() > 3000 ? all.size() - 3000 : 0);
}

bool Paused(ServeProcess& p) {
  HttpClient h = p.Client(3000);
  auto r = h.Get("/readyz");
  return r.ok() && r->status == 503 && r->body.find("paused") != std::string::npos;
}

// Writes 1 MiB files through `via` until done() (at most 400 MiB, 60 s):
// RocksDB preallocates its WAL ahead of the writes and buffers 64 MiB in
// memory, so a full disk shows only once enough has been written.
bool WriteUntil(ServeProcess& via, const std::string& dir, const std::function<bool()>& done,
                int* written) {
  HttpClient bulk = via.Client();
  std::string mib(1 << 20, 'b');
  return WaitFor(
      [&] {
        if (*written < 400) {
          auto r =
              bulk.Request("PUT", "/v1/fs/bulk/" + dir + "/" + std::to_string((*written)++), mib);
          EXPECT_TRUE(r.ok() && r->status == 201);
        }
        return done();
      },
      60s);
}

TEST(FaultsTest, DiskFullPausesTheApplierUntilSpaceReturns) {
  Cluster c(2, /*redis_appendonly=*/true);
  SmallDisk disk(c.dir() + "/small", "512m");
  // The replica's data directory is on the small disk; its log file is not.
  ServeProcess victim(c.dir() + "/small", c.redis().url(), "small");
  victim.Start();
  ASSERT_TRUE(victim.WaitReady());
  std::vector<std::string> all = {c.node(0).url(), c.node(1).url(), victim.url()};
  History h(all, HistoryOptions{});
  h.Start();
  int pauses = 0;
  for (int round = 0; round < 2; ++round) {
    uint64_t start = h.acked();
    ASSERT_TRUE(WaitFor([&] { return h.acked() >= start + 300; }, 30s));
    uint64_t filled = disk.Fill();
    int written = 0;
    ASSERT_TRUE(WriteUntil(
        c.node(0), "round" + std::to_string(round), [&] { return Paused(victim); }, &written))
        << "round " << round << ": filled " << filled << " bytes, then " << written
        << " MiB written";
    ++pauses;
    HttpClient v = victim.Client(5000);
    auto w = v.Request("POST", "/v1/fs/history/full?op=append", "refused\n");
    EXPECT_EQ(w->status, 503) << w->body;
    auto read = v.Get("/v1/fs/history/f0");
    EXPECT_EQ(read->status, 200);  // reads go on, marked
    EXPECT_EQ(read->header("x-walfs-stale"), "paused");
    EXPECT_NE(v.Get("/metrics")->body.find("walfs_applier_paused 1"), std::string::npos);
    // The others keep taking writes meanwhile.
    uint64_t during = h.acked();
    ASSERT_TRUE(WaitFor([&] { return h.acked() >= during + 200; }, 30s));
    if (round == 1) {
      victim.Kill(9);  // killed while the disk is full, restarted once it is not
      victim.Stop(9);
    }
    disk.Free();
    if (round == 1) victim.Start();
    ASSERT_TRUE(victim.WaitReady(60s)) << "round " << round << "; see " << victim.log_path();
  }
  h.Stop();
  ASSERT_TRUE(WaitFor([&] { return Converged(all); }, 60s));
  Tally t = h.Check(all);
  std::printf("faults: disk full under one replica, %d times (once killed while full): %s\n",
              pauses, t.Summary().c_str());
  ExpectNoAnomalies(t);
}

// Without the reserve RocksDB itself meets the full disk in the middle of a
// write. The replica must then stop (pause, or the process ends) without
// harm to its store: once space returns and it is (re)started, it catches
// up to the same digest as the others.
TEST(FaultsTest, DiskFullWithoutAReserveStopsTheReplicaAndItRecovers) {
  Cluster c(2, /*redis_appendonly=*/true);
  SmallDisk disk(c.dir() + "/small", "512m");
  ServeProcess victim(c.dir() + "/small", c.redis().url(), "small", {"--store-reserve-mib", "0"});
  victim.Start();
  ASSERT_TRUE(victim.WaitReady());
  disk.Fill();
  int written = 0;
  ASSERT_TRUE(WriteUntil(
      c.node(0), "noreserve", [&] { return !victim.running() || Paused(victim); }, &written))
      << written << " MiB written; see " << victim.log_path();
  bool paused = victim.running();
  disk.Free();
  // A paused replica may still end when RocksDB retries the failed write.
  HttpClient v = victim.Client(2000);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = v.Get("/readyz");
        return !victim.running() || (r.ok() && r->status == 200);
      },
      60s))
      << LogTail(victim);
  bool ended = !victim.running();
  if (ended) {
    victim.Stop(9);
    victim.Start();
  }
  ASSERT_TRUE(victim.WaitReady(60s)) << LogTail(victim);
  std::vector<std::string> all = {c.node(0).url(), c.node(1).url(), victim.url()};
  ASSERT_TRUE(WaitFor([&] { return Converged(all); }, 60s));
  std::printf(
      "faults: disk full without a reserve after %d MiB: the replica %s; after space returned it "
      "converged with the others\n",
      written,
      paused ? (ended ? "paused, then ended when RocksDB retried" : "paused, then resumed")
             : "process ended (RocksDB aborts on a failed WAL write), restarted");
}

}  // namespace
}  // namespace walfs::testing
