// Fault scenarios with real processes (make faults): replicas killed with
// SIGKILL at random moments under a concurrent workload. Prints its figures.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "integration/harness.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

bool Converged(Cluster& c) {
  json first;
  for (size_t i = 0; i < c.size(); ++i) {
    HttpClient h = c.node(i).Client(2000);
    auto r = h.Get("/readyz");
    if (!r.ok() || r->status != 200) return false;
    json j = Json(*r);
    if (i == 0) first = j;
    if (j["applied"] != first["applied"] || j["digest"] != first["digest"]) return false;
  }
  return first["applied"] == first["log_last"];
}

// 20 kills of a random replica at a random moment while 6 writers append
// unique 16-byte records through all three; afterwards every replica holds
// every acknowledged record exactly once, byte-identical, equal digests.
TEST(FaultsTest, ReplicasKilledUnderLoadLoseNothingAcknowledged) {
  Cluster c(3, /*redis_appendonly=*/true);
  constexpr int kWriters = 6, kKills = 20;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<uint64_t> failed{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      for (uint64_t i = 0; !stop; ++i) {
        HttpClient h = c.node(t % 3).Client(5000);
        char rec[17];
        std::snprintf(rec, sizeof rec, "w%d-%012llu\n", t, static_cast<unsigned long long>(i));
        std::string path = "/faults/f" + std::to_string(t % 2);
        auto r = h.Request("POST", "/v1/fs" + path + "?op=append", rec);
        if (r.ok() && r->status == 200) {
          std::lock_guard lock(mu);
          acked.insert(path + ":" + rec);
        } else {
          ++failed;  // the replica is down: try again shortly
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    });
  }
  std::mt19937 rng(20261124);
  for (int k = 0; k < kKills; ++k) {
    size_t victim = rng() % 3;
    // The kill lands at a random moment of the workload.
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 250));
    c.node(victim).Kill(9);
    c.node(victim).Stop(9);
    c.node(victim).Start();
    ASSERT_TRUE(c.node(victim).WaitReady(30s)) << "kill " << k << " of replica " << victim;
  }
  stop = true;
  for (auto& w : writers) w.join();
  ASSERT_TRUE(WaitFor([&] { return Converged(c); }, 60s));
  uint64_t present = 0, duplicates = 0, missing = 0;
  std::map<std::string, std::string> files;
  for (const char* path : {"/faults/f0", "/faults/f1"}) {
    HttpClient h0 = c.node(0).Client();
    files[path] = StrongRead(h0, path);
    for (size_t i = 1; i < 3; ++i) {
      HttpClient hi = c.node(i).Client();
      EXPECT_EQ(StrongRead(hi, path), files[path]) << path << " differs on replica " << i;
    }
  }
  std::set<std::string> seen;
  for (const auto& [path, content] : files) {
    ASSERT_EQ(content.size() % 16, 0u);
    for (size_t off = 0; off < content.size(); off += 16) {
      std::string key = path + ":" + content.substr(off, 16);
      ++present;
      if (!seen.insert(key).second) ++duplicates;
    }
  }
  for (const auto& a : acked) missing += seen.count(a) == 0;
  std::printf("faults: %d kills of replicas under load; %zu appends acknowledged, %llu failed or unanswered; "
              "%llu records present; %llu acknowledged missing; %llu duplicated\n",
              kKills, acked.size(), static_cast<unsigned long long>(failed.load()),
              static_cast<unsigned long long>(present), static_cast<unsigned long long>(missing),
              static_cast<unsigned long long>(duplicates));
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicates, 0u);
  EXPECT_GT(acked.size(), 100u);
}

}  // namespace
}  // namespace walfs::testing
