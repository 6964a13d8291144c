// Fault scenarios with real processes (make faults): replicas and Redis
// killed with SIGKILL at random moments under a concurrent workload whose
// whole history is checked afterwards. Each prints its figures.
#include <gtest/gtest.h>

#include <random>

#include "faults/history.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

void ExpectClean(const Tally& t, const char* scenario, int faults) {
  std::printf("faults: %s: %d faults injected; %s\n", scenario, faults, t.Summary().c_str());
  ExpectNoAnomalies(t);
  EXPECT_GT(t.appends_acked, 100u);
  EXPECT_GT(t.reads_ok, 10u);
}

// 20 kills of a random replica at a random moment while 6 writers append
// and 2 readers read through all three: every replica catches up, all end
// byte-identical with equal digests, nothing acknowledged is missing.
TEST(FaultsTest, ReplicasKilledUnderLoadLoseNothingAcknowledged) {
  Cluster c(3, /*redis_appendonly=*/true);
  constexpr int kKills = 20;
  History h(Urls(c), HistoryOptions{});
  h.Start();
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
  h.Stop();
  ASSERT_TRUE(WaitFor([&] { return Converged(Urls(c)); }, 60s));
  ExpectClean(h.Check(Urls(c)), "replica kill -9 x20", kKills);
}

// Redis (appendonly, appendfsync always) killed with SIGKILL and restarted
// 5 times under load: writes fail while it is down (503, nothing written),
// and nothing acknowledged is lost; replicas converge.
TEST(FaultsTest, RedisKilledAndRestartedLosesNothingAcknowledged) {
  Cluster c(3, /*redis_appendonly=*/true);
  constexpr int kKills = 5;
  History h(Urls(c), HistoryOptions{});
  h.Start();
  std::mt19937 rng(5);
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 400));
    c.redis().Stop(9);
    c.redis().Start();
    // Writes go through again before the next kill.
    HttpClient probe = c.node(k % 3).Client(5000);
    ASSERT_TRUE(WaitFor(
        [&] {
          auto r = probe.Request("PUT", "/v1/fs/history/probe", std::to_string(k));
          return r.ok() && r->status < 300;
        },
        30s))
        << "writes did not resume after Redis restart " << k;
  }
  h.Stop();
  ASSERT_TRUE(WaitFor([&] { return Converged(Urls(c)); }, 60s));
  ExpectClean(h.Check(Urls(c)), "Redis kill -9 x5 (appendfsync always)", kKills);
}

}  // namespace
}  // namespace walfs::testing
