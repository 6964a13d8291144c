// Fault scenarios on a NATS JetStream log (make faults): three walfs
// replicas on an R3 stream over three nats-servers on loopback, under the
// checked workload of history.h (appends retried with their idempotency
// keys: an append cut off by a fault is ambiguous until answered). The
// stream's leader killed, each server killed in turn, all three restarted,
// the leader frozen: nothing acknowledged is lost or doubled, the replicas
// converge. Each prints its figures.
#include <gtest/gtest.h>
#include <signal.h>

#include "faults/history.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

HistoryOptions Idempotent() {
  HistoryOptions o;
  o.idempotent = true;
  return o;
}

void ExpectClean(const Tally& t, const char* scenario, int faults) {
  std::printf("faults: %s: %d faults injected; %s\n", scenario, faults, t.Summary().c_str());
  ExpectNoAnomalies(t);
  EXPECT_GT(t.appends_acked, 100u);
  EXPECT_GT(t.reads_ok, 10u);
}

// Waits until the workload has had more appends acknowledged than now.
void WaitForProgress(History& h, uint64_t more, const std::string& what) {
  uint64_t from = h.acked();
  ASSERT_TRUE(WaitFor([&] { return h.acked() >= from + more; }, 60s))
      << "no appends acknowledged " << what;
}

TEST(NatsFaultsTest, StreamLeaderKilledUnderLoadLosesNothingAcknowledged) {
  Cluster c(TestLog::kNats, 3);
  constexpr int kKills = 4;
  History h(Urls(c), Idempotent());
  h.Start();
  for (int k = 0; k < kKills; ++k) {
    WaitForProgress(h, 50, "before kill " + std::to_string(k));
    int leader = -1;
    ASSERT_TRUE(WaitFor([&] { return (leader = c.nats().StreamLeader()) >= 0; }, 30s));
    c.nats().Stop(leader, SIGKILL);
    // The other two elect a leader and go on without it.
    WaitForProgress(h, 50, "with server " + std::to_string(leader) + " down");
    c.nats().Start(leader);
  }
  WaitForProgress(h, 50, "after the last restart");
  h.Stop();
  ASSERT_TRUE(WaitFor([&] { return Converged(Urls(c)); }, 60s));
  ExpectClean(h.Check(Urls(c)), "NATS stream leader kill -9 x4", kKills);
}

TEST(NatsFaultsTest, EachServerKilledInTurnLosesNothingAcknowledged) {
  Cluster c(TestLog::kNats, 3);
  History h(Urls(c), Idempotent());
  h.Start();
  for (int i = 0; i < 3; ++i) {
    WaitForProgress(h, 50, "before server " + std::to_string(i) + " is killed");
    c.nats().Stop(i, SIGKILL);
    WaitForProgress(h, 50, "with server " + std::to_string(i) + " down");
    c.nats().Start(i);
  }
  WaitForProgress(h, 50, "after the last restart");
  h.Stop();
  ASSERT_TRUE(WaitFor([&] { return Converged(Urls(c)); }, 60s));
  ExpectClean(h.Check(Urls(c)), "each NATS server kill -9 in turn", 3);
}

// All three killed at once: writes fail (nothing is written) until they are
// back, then go on; what was acknowledged before is all there.
TEST(NatsFaultsTest, AllThreeServersKilledAndRestartedLoseNothingAcknowledged) {
  Cluster c(TestLog::kNats, 3);
  History h(Urls(c), Idempotent());
  h.Start();
  for (int round = 0; round < 2; ++round) {
    WaitForProgress(h, 100, "before round " + std::to_string(round));
    for (int i = 0; i < 3; ++i) c.nats().Stop(i, SIGKILL);
    c.nats().StartAll();
  }
  WaitForProgress(h, 100, "after the last restart");
  h.Stop();
  ASSERT_TRUE(WaitFor([&] { return Converged(Urls(c)); }, 60s));
  ExpectClean(h.Check(Urls(c)), "all three NATS servers kill -9 and restart x2", 2);
}

// The leader frozen (SIGSTOP) for a while: it neither answers nor leaves,
// as behind a partition; the other two elect a leader and go on, and the
// frozen one catches up when it thaws.
TEST(NatsFaultsTest, FrozenLeaderLosesNothingAcknowledged) {
  Cluster c(TestLog::kNats, 3);
  History h(Urls(c), Idempotent());
  h.Start();
  WaitForProgress(h, 50, "before the freeze");
  int leader = -1;
  ASSERT_TRUE(WaitFor([&] { return (leader = c.nats().StreamLeader()) >= 0; }, 30s));
  c.nats().Signal(leader, SIGSTOP);
  WaitForProgress(h, 100, "with the leader frozen");
  c.nats().Signal(leader, SIGCONT);
  WaitForProgress(h, 50, "after the thaw");
  h.Stop();
  ASSERT_TRUE(WaitFor([&] { return Converged(Urls(c)); }, 60s));
  ExpectClean(h.Check(Urls(c)), "NATS stream leader frozen", 1);
}

}  // namespace
}  // namespace walfs::testing
