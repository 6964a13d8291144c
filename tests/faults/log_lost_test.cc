// The log loses entries that replicas already applied (make faults): Redis
// restarted empty, or from an older append-only file. Every replica must see
// that the log went backwards, stop applying, say so in /readyz, in
// /v1/cluster and in its log, refuse writes, keep serving its last state;
// then a snapshot of the most advanced replica, reseeded into a new stream,
// brings the cluster back with nothing acknowledged lost.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "faults/history.h"
#include "faults/proxy.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> SnapshotFlags(const std::string& backup_url) {
  return {"--backup",       backup_url, "--snapshot-every-entries", "0", "--snapshot-every-ms", "0",
          "--heartbeat-ms", "200"};
}

// Every replica stops applying and says why, wherever one looks; it refuses
// writes and strong reads and keeps serving its last state.
void ExpectEveryReplicaStopped(const std::vector<ServeProcess*>& nodes) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    HttpClient hc = nodes[i]->Client(5000);
    ASSERT_TRUE(WaitFor(
        [&] {
          auto r = hc.Get("/readyz");
          return r.ok() && r->status == 503 &&
                 Json(*r)["message"].get<std::string>().find("applier stopped") !=
                     std::string::npos;
        },
        30s))
        << "replica " << i << " did not stop";
    EXPECT_NE(ReadFile(nodes[i]->log_path()).find("applier stopped"), std::string::npos);
  }
  HttpClient any = nodes[0]->Client(5000);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = any.Get("/v1/cluster");
        if (!r.ok() || r->status != 200) return false;
        json j = Json(*r);  // held: a range-for over Json(*r)["replicas"] would dangle
        size_t stopped = 0;
        for (const auto& rep : j["replicas"]) stopped += rep.contains("stopped");
        return stopped == nodes.size();
      },
      30s))
      << any.Get("/v1/cluster")->body;
  auto w = any.Request("POST", "/v1/fs/history/f0?op=append", "refused\n");
  EXPECT_EQ(w->status, 503);
  EXPECT_EQ(Json(*w)["error"], "not_ready");
  EXPECT_EQ(any.Get("/v1/fs/history/f0")->status, 200);  // the last state stays readable
  // but never as a strong read: the log no longer knows every acknowledged write.
  for (auto* n : nodes) {
    auto strong = n->Client(10000).Get("/v1/fs/history/f0?consistency=strong&timeout_ms=2000");
    ASSERT_TRUE(strong.ok());
    EXPECT_EQ(strong->status, 503) << strong->body;
  }
}

// Recovery: snapshot the replica that applied the most, seed a new stream
// on `redis` from it, start three replicas afresh on that stream, and check
// the whole history against them.
void RecoverFromTheMostAdvanced(const std::vector<ServeProcess*>& nodes, RedisServer& redis,
                                const std::string& dir, const std::string& backup_url, History& h,
                                const std::string& what) {
  size_t best = 0;
  Position best_pos;
  for (size_t i = 0; i < nodes.size(); ++i) {
    HttpClient hc = nodes[i]->Client();
    auto p = Position::Parse(Ready(hc)["applied"].get<std::string>());
    ASSERT_TRUE(p.has_value());
    if (best_pos < *p) best = i, best_pos = *p;
  }
  auto snap = nodes[best]->Client().Request("POST", "/v1/admin/snapshots");
  ASSERT_EQ(snap->status, 201) << snap->body;
  EXPECT_EQ(Json(*snap)["position"], best_pos.ToString());
  for (auto* n : nodes) n->Stop();
  std::string stream = redis.url("walfs-recovered");
  auto [code, out] =
      RunCli({"restore", "--backup", backup_url, "--data", dir + "/n0", "--reseed-log", stream});
  ASSERT_EQ(code, 0) << out;
  std::vector<std::unique_ptr<ServeProcess>> fresh;
  std::vector<ServeProcess*> fresh_nodes;
  for (int i = 0; i < 3; ++i) {
    fresh.push_back(std::make_unique<ServeProcess>(dir + "/n" + std::to_string(i), stream,
                                                   "n" + std::to_string(i),
                                                   SnapshotFlags(backup_url)));
    fresh.back()->Start();  // n1 and n2 are empty: they bootstrap from the snapshot
    fresh_nodes.push_back(fresh.back().get());
  }
  for (auto& f : fresh) ASSERT_TRUE(f->WaitReady(60s)) << f->log_path();
  ASSERT_EQ(fresh[1]->Client().Request("POST", "/v1/fs/history/after?op=append", "back\n")->status,
            200);
  ASSERT_TRUE(WaitFor([&] { return Converged(Urls(fresh_nodes)); }, 60s));
  Tally t = h.Check(Urls(fresh_nodes));
  std::printf(
      "faults: %s under load: %zu of %zu replicas stopped and reported it; recovered from snapshot "
      "at %s; "
      "%s\n",
      what.c_str(), nodes.size(), nodes.size(), best_pos.ToString().c_str(), t.Summary().c_str());
  ExpectNoAnomalies(t);
}

void LoseTheLogAndRecover(bool older_file) {
  TempDir backup;
  std::string backup_url = "dir://" + backup.path();
  Cluster c(3, /*redis_appendonly=*/true, SnapshotFlags(backup_url));
  std::vector<ServeProcess*> nodes = {&c.node(0), &c.node(1), &c.node(2)};
  History h(Urls(nodes), HistoryOptions{});
  h.Start();
  std::string aof = c.dir() + "/appendonlydir", old_copy = c.dir() + "/aof-older";
  if (older_file) {
    ASSERT_TRUE(WaitFor([&] { return h.acked() >= 200; }, 30s));
    // An older copy of the append-only file: Redis loads what is whole in it.
    fs::copy(aof, old_copy, fs::copy_options::recursive);
  }
  uint64_t before = h.acked();
  ASSERT_TRUE(WaitFor([&] { return h.acked() >= before + 200; }, 30s));
  c.redis().Stop(9);
  fs::remove_all(aof);
  if (older_file) fs::rename(old_copy, aof);
  c.redis().Start();
  ExpectEveryReplicaStopped(nodes);
  h.Stop();
  if (::testing::Test::HasFatalFailure()) return;
  RecoverFromTheMostAdvanced(
      nodes, c.redis(), c.dir(), backup_url, h,
      older_file ? "Redis restarted from an older append-only file" : "Redis restarted empty");
}

TEST(FaultsTest, RedisRestartedEmptyStopsEveryReplicaAndASnapshotRecovers) {
  LoseTheLogAndRecover(false);
}

TEST(FaultsTest, RedisRestartedFromAnOlderFileStopsEveryReplicaAndASnapshotRecovers) {
  LoseTheLogAndRecover(true);
}

// A failover to an asynchronous Redis replica that missed the tail: the
// replicas reach Redis through a proxy; the standby is cut from its primary
// (REPLICAOF NO ONE) while writes go on, the primary dies, and the proxy now
// leads to the standby. Replicas that applied the lost tail must stop, not
// diverge; the most advanced one's snapshot brings everything back.
TEST(FaultsTest, FailoverToAnAsyncRedisReplicaThatMissedTheTailIsDetectedAndRecovered) {
  TempDir dir, primary_dir, standby_dir, backup;
  std::string backup_url = "dir://" + backup.path();
  RedisServer primary(primary_dir.path(), /*appendonly=*/true);
  RedisServer standby(standby_dir.path(), /*appendonly=*/true);
  auto redis_cli = [&dir](int port, std::vector<std::string> args) {
    std::vector<std::string> argv = {"redis-cli", "-p", std::to_string(port)};
    argv.insert(argv.end(), args.begin(), args.end());
    Process p(argv, dir.path() + "/redis-cli.log");
    return p.Wait(10s);
  };
  ASSERT_EQ(redis_cli(standby.port(), {"REPLICAOF", "127.0.0.1", std::to_string(primary.port())}),
            0);
  DroppingProxy proxy(primary.port(), 0.0,
                      1);  // forwards everything; its upstream moves at failover
  std::string log = "redis://127.0.0.1:" + std::to_string(proxy.port()) + "?stream=walfs";
  std::vector<std::unique_ptr<ServeProcess>> owned;
  std::vector<ServeProcess*> nodes;
  for (int i = 0; i < 3; ++i) {
    owned.push_back(std::make_unique<ServeProcess>(dir.path() + "/r" + std::to_string(i), log,
                                                   "r" + std::to_string(i),
                                                   SnapshotFlags(backup_url)));
    owned.back()->Start();
    nodes.push_back(owned.back().get());
  }
  for (auto* n : nodes) ASSERT_TRUE(n->WaitReady());
  History h(Urls(nodes), HistoryOptions{});
  h.Start();
  ASSERT_TRUE(WaitFor([&] { return h.acked() >= 300; }, 30s));
  // The standby stops replicating: what the primary acknowledges from now
  // on, the standby will never have.
  ASSERT_EQ(redis_cli(standby.port(), {"REPLICAOF", "NO", "ONE"}), 0);
  uint64_t before = h.acked();
  ASSERT_TRUE(WaitFor([&] { return h.acked() >= before + 200; }, 30s));
  proxy.SetUpstream(standby.port());
  primary.Stop(9);
  ExpectEveryReplicaStopped(nodes);
  h.Stop();
  if (::testing::Test::HasFatalFailure()) return;
  RecoverFromTheMostAdvanced(nodes, standby, dir.path(), backup_url, h,
                             "failover to an asynchronous Redis replica that missed the tail");
}

}  // namespace
}  // namespace walfs::testing
