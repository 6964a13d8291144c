// Fault scenarios on a NATS JetStream log (make faults): three walfs
// replicas on an R3 stream over three nats-servers on loopback, under the
// checked workload of history.h (appends retried with their idempotency
// keys: an append cut off by a fault is ambiguous until answered). The
// stream's leader killed, each server killed in turn, all three restarted,
// the leader frozen, one server cut off by a partition: nothing acknowledged
// is lost or doubled, the replicas converge. Each prints its figures.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "faults/history.h"
#include "faults/netns.h"

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

// Each replica's /readyz, for a failure message.
std::string Readiness(const std::vector<std::string>& urls) {
  std::string out;
  for (const auto& u : urls) {
    HttpClient c(u, 3000);
    auto r = c.Get("/readyz");
    out += u + ": " + (r.ok() ? r->body : r.status().ToString()) + "\n";
  }
  return out;
}

// The replicas that stopped `log broken`.
std::vector<size_t> StoppedLogBroken(Cluster& c) {
  std::vector<size_t> out;
  for (size_t i = 0; i < c.size(); ++i) {
    HttpClient cl(c.node(i).url(), 3000);
    auto r = cl.Get("/readyz");
    if (r.ok() && r->body.find("log broken") != std::string::npos) out.push_back(i);
  }
  return out;
}

// Restarts the replicas that stopped `log broken`: nats-server 2.9 may give
// a reader a message it then replaces (reliability.md); restarted, such a
// replica goes back to the stream's history (ops/bootstrap.h). Returns how
// many it restarted.
size_t RestartStopped(Cluster& c, const char* scenario) {
  auto stopped = StoppedLogBroken(c);
  for (size_t i : stopped) {
    std::printf("faults: %s: replica %zu stopped `log broken`; restarted\n", scenario, i);
    c.node(i).Stop();
    c.node(i).Start();
    EXPECT_TRUE(c.node(i).WaitReady(60s)) << scenario << ": replica " << i << " after its restart";
  }
  return stopped.size();
}

// The end of a scenario: the replicas converge (those that stopped `log
// broken` restarted first) and the history is clean. If they do not
// converge, each replica's files are checked on their own too: those that
// did not stop hold the log's truth, so the failure says whether anything
// acknowledged is missing from the log or a replica only stopped.
void ExpectConvergedAndClean(Cluster& c, History& h, const char* scenario, int faults) {
  auto urls = Urls(c);
  WaitFor([&] { return Converged(urls) || !StoppedLogBroken(c).empty(); }, 60s);
  size_t restarted = RestartStopped(c, scenario);
  if (WaitFor([&] { return Converged(urls); }, 60s)) {
    std::printf("faults: %s: %zu replicas restarted after `log broken`; replicas identical\n",
                scenario, restarted);
    ExpectClean(h.Check(urls), scenario, faults);
    return;
  }
  ADD_FAILURE() << scenario << ": the replicas did not converge:\n" << Readiness(urls);
  for (const auto& u : urls) {
    std::printf("faults: %s, %s alone: %s\n", scenario, u.c_str(), h.Check({u}).Summary().c_str());
  }
}

// Waits until the workload has had more appends acknowledged than now.
void WaitForProgress(History& h, uint64_t more, const std::string& what) {
  uint64_t from = h.acked();
  ASSERT_TRUE(WaitFor([&] { return h.acked() >= from + more; }, 60s))
      << "no appends acknowledged " << what;
}

// Appends of 16-byte records from 6 clients over the three replicas, one
// NATS server killed (-9) half way and started again: each client retries a
// failed append with its idempotency key, so every record is in the file
// exactly once, none torn, and the replicas converge.
TEST(NatsFaultsTest, AppendsThroughAKilledNatsServerAreNeitherLostNorDoubled) {
  Cluster c(TestLog::kNats, 3);
  constexpr int kClients = 6, kAppends = 150;
  std::atomic<int> done{0}, gave_up{0};
  std::mutex mu;
  std::map<std::string, uint64_t> offset_of;
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppends; ++i) {
        char rec[32];
        std::snprintf(rec, sizeof rec, "c%02d-r%04d-xxxxx\n", t, i);  // 16 bytes
        std::string key = std::string("k-") + std::string(rec, 9);
        bool ok = false;
        for (int attempt = 0; attempt < 60 && !ok; ++attempt) {
          auto cl = c.node((t + i + attempt) % 3).Client(10000);
          auto r = cl.Request("POST", "/v1/fs/shared/log.txt?op=append", rec,
                              {{"Idempotency-Key", key}});
          if (r.ok() && r->status == 200) {
            std::lock_guard lock(mu);
            offset_of[rec] = Json(*r)["offset"].get<uint64_t>();
            ok = true;
          }
        }
        if (!ok) ++gave_up;
        ++done;
      }
    });
  }
  ASSERT_TRUE(WaitFor([&] { return done >= kClients * kAppends / 2; }, 120s));
  c.nats().Stop(0, 9);
  c.nats().Start(0);
  for (auto& th : threads) th.join();
  ASSERT_EQ(gave_up.load(), 0);
  auto cl = c.node(0).Client();
  std::string content = StrongRead(cl, "/shared/log.txt");
  ASSERT_EQ(content.size(), kClients * kAppends * 16u);
  std::set<std::string> seen;
  for (size_t off = 0; off < content.size(); off += 16) {
    std::string rec = content.substr(off, 16);
    ASSERT_TRUE(offset_of.count(rec)) << "torn or unknown record at " << off << ": " << rec;
    EXPECT_EQ(offset_of[rec], off) << rec;
    EXPECT_TRUE(seen.insert(rec).second) << "duplicate " << rec;
  }
  for (int i = 1; i < 3; ++i) {
    auto other = c.node(i).Client();
    EXPECT_EQ(StrongRead(other, "/shared/log.txt"), content);
  }
  EXPECT_TRUE(WaitFor([&] { return Converged(Urls(c)); }, 30s));
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
  ExpectConvergedAndClean(c, h, "NATS stream leader kill -9 x4", kKills);
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
  ExpectConvergedAndClean(c, h, "each NATS server kill -9 in turn", 3);
}

// All three restarted (SIGTERM, one after another, then started again):
// writes fail (nothing is written) until they are back, then go on; what
// was acknowledged before is all there.
TEST(NatsFaultsTest, AllThreeServersRestartedLoseNothingAcknowledged) {
  Cluster c(TestLog::kNats, 3);
  History h(Urls(c), Idempotent());
  h.Start();
  for (int round = 0; round < 2; ++round) {
    WaitForProgress(h, 100, "before round " + std::to_string(round));
    for (int i = 0; i < 3; ++i) c.nats().Stop(i, SIGTERM);
    c.nats().StartAll();
  }
  WaitForProgress(h, 100, "after the last restart");
  h.Stop();
  ExpectConvergedAndClean(c, h, "all three NATS servers restarted x2", 2);
}

// All three killed at once (SIGKILL): nats-server 2.9 can lose what it
// acknowledged last (it had not written it yet) and then store other
// messages at those sequences. A replica that applied a lost entry must
// not go on as if nothing happened: the next entry's predecessor (its
// position's tag) is not what it applied, so it stops and says so (design
// rule 8), and never diverges silently. The others converge.
TEST(NatsFaultsTest, AllThreeServersKilledAtOnceNeverDivergeSilently) {
  Cluster c(TestLog::kNats, 3);
  History h(Urls(c), Idempotent());
  h.Start();
  for (int round = 0; round < 2; ++round) {
    WaitForProgress(h, 100, "before kill " + std::to_string(round));
    for (int i = 0; i < 3; ++i) c.nats().Signal(i, SIGKILL);
    for (int i = 0; i < 3; ++i) c.nats().Stop(i, SIGKILL);
    c.nats().StartAll();
  }
  // Replicas that stopped answer no writes; the others take them.
  WaitForProgress(h, 20, "after the restart");
  h.Stop();
  int stopped = 0, converged = 0;
  auto settled = [&] {
    stopped = converged = 0;
    std::string first_digest, first_applied;
    for (const auto& u : Urls(c)) {
      HttpClient cl(u, 3000);
      auto r = cl.Get("/readyz");
      if (!r.ok()) return false;
      json j = Json(*r);
      std::string msg = j.value("message", "");
      if (msg.find("log broken") != std::string::npos) {
        ++stopped;
        continue;
      }
      if (j.value("status", "") != "ready" || j["applied"] != j["log_last"]) return false;
      ++converged;
    }
    return true;
  };
  ASSERT_TRUE(WaitFor(settled, 60s)) << Readiness(Urls(c));
  std::string all = Readiness(Urls(c));
  EXPECT_EQ(all.find("diverged"), std::string::npos) << all;
  std::printf(
      "faults: all three NATS servers kill -9 at once x2: %d replicas stopped (log broken), "
      "%d converged\n",
      stopped, converged);
  if (stopped == 0) ExpectClean(h.Check(Urls(c)), "all three NATS servers kill -9 at once x2", 2);
  // Restarted, a stopped replica goes back to the stream's history (what
  // the stream lost is lost on every replica alike): identical again.
  RestartStopped(c, "all three NATS servers kill -9 at once x2");
  EXPECT_TRUE(WaitFor([&] { return Converged(Urls(c)); }, 60s)) << Readiness(Urls(c));
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
  ExpectConvergedAndClean(c, h, "NATS stream leader frozen", 1);
}

// One NATS server cut off from the other two and from every client (it
// runs in a network namespace whose only link goes down): the two elect a
// leader if it led and go on; when the link returns it catches up. Twice.
TEST(NatsFaultsTest, AServerCutOffByAPartitionLosesNothingAcknowledged) {
  Namespace ns;
  TempDir dir;
  std::string here = ns.Address(1, 1), there = ns.Address(1, 2);
  std::vector<int> ports = {FreePort(), FreePort(), FreePort()};
  std::vector<int> routes = {FreePort(), FreePort(), FreePort()};
  // n0 and n1 here (every address), n2 in the namespace; routes cross the link.
  std::vector<std::string> route_host = {here, here, there};
  std::vector<Process> servers;
  for (int i = 0; i < 3; ++i) {
    std::string name = "n" + std::to_string(i), conf = dir.path() + "/" + name + ".conf";
    std::string bind = i == 2 ? there : "0.0.0.0";
    std::ofstream f(conf);
    f << "server_name: " << name << "\nlisten: " << bind << ":" << ports[i] << "\n"
      << "jetstream { store_dir: \"" << dir.path() << "/" << name << "\" }\n"
      << "cluster {\n  name: walfs\n  listen: " << bind << ":" << routes[i] << "\n  routes: [";
    const char* sep = " ";
    for (int j = 0; j < 3; ++j) {
      if (j == i) continue;
      f << sep << "nats-route://" << route_host[j] << ":" << routes[j];
      sep = ", ";
    }
    f << " ]\n}\n";
    f.close();
    std::vector<std::string> argv = {"nats-server", "-c", conf};
    if (i == 2) argv.insert(argv.begin(), {"ip", "netns", "exec", ns.name()});
    servers.emplace_back(argv, dir.path() + "/" + name + ".log");
  }
  std::string log = "nats://127.0.0.1:" + std::to_string(ports[0]) +
                    ",127.0.0.1:" + std::to_string(ports[1]) + "," + there + ":" +
                    std::to_string(ports[2]) + "?stream=walfs&replicas=3";
  std::vector<std::unique_ptr<ServeProcess>> nodes;
  std::vector<ServeProcess*> all;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(std::make_unique<ServeProcess>(dir.path() + "/r" + std::to_string(i), log,
                                                   "r" + std::to_string(i)));
    nodes.back()->Start();
    all.push_back(nodes.back().get());
  }
  // The first replica creates the stream once JetStream has a meta leader.
  for (auto* n : all) ASSERT_TRUE(n->WaitReady(60s)) << n->log_path();
  History h(Urls(all), Idempotent());
  h.Start();
  constexpr int kCuts = 2;
  for (int round = 0; round < kCuts; ++round) {
    WaitForProgress(h, 100, "before cut " + std::to_string(round));
    ns.SetLink(1, false);
    WaitForProgress(h, 100, "with n2 cut off");
    ns.SetLink(1, true);
  }
  WaitForProgress(h, 100, "after the last cut healed");
  h.Stop();
  ASSERT_TRUE(WaitFor([&] { return Converged(Urls(all)); }, 60s)) << Readiness(Urls(all));
  ExpectClean(h.Check(Urls(all)), "a NATS server cut off by a partition x2", kCuts);
  for (auto& s : servers) s.Stop(9);
}

}  // namespace
}  // namespace walfs::testing
