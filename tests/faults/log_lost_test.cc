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

void LoseTheLogAndRecover(bool older_file) {
  TempDir backup;
  std::string backup_url = "dir://" + backup.path();
  std::vector<std::string> flags = {"--backup", backup_url, "--snapshot-every-entries", "0",
                                    "--snapshot-every-ms", "0", "--heartbeat-ms", "200"};
  Cluster c(3, /*redis_appendonly=*/true, flags);
  std::vector<std::string> urls;
  for (size_t i = 0; i < c.size(); ++i) urls.push_back(c.node(i).url());
  History h(urls, HistoryOptions{});
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

  // Every replica stops applying and says why, wherever one looks.
  for (size_t i = 0; i < c.size(); ++i) {
    HttpClient hc = c.node(i).Client(5000);
    ASSERT_TRUE(WaitFor(
        [&] {
          auto r = hc.Get("/readyz");
          return r.ok() && r->status == 503 &&
                 Json(*r)["message"].get<std::string>().find("applier stopped") != std::string::npos;
        },
        30s))
        << "replica " << i << " did not stop";
    EXPECT_NE(ReadFile(c.node(i).log_path()).find("applier stopped"), std::string::npos);
  }
  h.Stop();
  HttpClient any = c.node(0).Client(5000);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = any.Get("/v1/cluster");
        if (!r.ok() || r->status != 200) return false;
        json j = Json(*r);
        size_t stopped = 0;
        for (const auto& rep : j["replicas"]) stopped += rep.contains("stopped");
        return stopped == 3;
      },
      30s))
      << any.Get("/v1/cluster")->body;
  auto w = any.Request("POST", "/v1/fs/history/f0?op=append", "refused\n");
  EXPECT_EQ(w->status, 503);
  EXPECT_EQ(Json(*w)["error"], "not_ready");
  EXPECT_EQ(any.Get("/v1/fs/history/f0")->status, 200);  // the last state stays readable
  // but never as a strong read: the log no longer knows every acknowledged write.
  for (size_t i = 0; i < c.size(); ++i) {
    auto strong = c.node(i).Client(10000).Get("/v1/fs/history/f0?consistency=strong&timeout_ms=2000");
    ASSERT_TRUE(strong.ok());
    EXPECT_EQ(strong->status, 503) << strong->body;
  }

  // Recovery: snapshot the replica that applied the most, seed a new
  // stream from it, and start the replicas afresh on that stream.
  size_t best = 0;
  Position best_pos;
  for (size_t i = 0; i < c.size(); ++i) {
    HttpClient hc = c.node(i).Client();
    auto p = Position::Parse(Ready(hc)["applied"].get<std::string>());
    ASSERT_TRUE(p.has_value());
    if (best_pos < *p) best = i, best_pos = *p;
  }
  auto snap = c.node(best).Client().Request("POST", "/v1/admin/snapshots");
  ASSERT_EQ(snap->status, 201) << snap->body;
  EXPECT_EQ(Json(*snap)["position"], best_pos.ToString());
  for (size_t i = 0; i < c.size(); ++i) c.node(i).Stop();
  std::string stream = c.redis().url("walfs-recovered");
  auto [code, out] = RunCli({"restore", "--backup", backup_url, "--data", c.dir() + "/n0", "--reseed-log", stream});
  ASSERT_EQ(code, 0) << out;
  std::vector<std::unique_ptr<ServeProcess>> fresh;
  std::vector<std::string> fresh_urls;
  for (int i = 0; i < 3; ++i) {
    fresh.push_back(std::make_unique<ServeProcess>(c.dir() + "/n" + std::to_string(i), stream,
                                                   "n" + std::to_string(i), flags));
    fresh.back()->Start();  // n1 and n2 are empty: they bootstrap from the snapshot
  }
  for (auto& f : fresh) {
    ASSERT_TRUE(f->WaitReady(60s)) << f->log_path();
    fresh_urls.push_back(f->url());
  }
  ASSERT_EQ(fresh[1]->Client().Request("POST", "/v1/fs/history/after?op=append", "back\n")->status, 200);
  ASSERT_TRUE(WaitFor([&] { return Converged(fresh_urls); }, 60s));
  Tally t = h.Check(fresh_urls);
  std::printf("faults: Redis restarted %s under load: 3 of 3 replicas stopped and reported it; recovered from "
              "snapshot at %s; %s\n",
              older_file ? "from an older append-only file" : "empty", best_pos.ToString().c_str(),
              t.Summary().c_str());
  ExpectNoAnomalies(t);
}

TEST(FaultsTest, RedisRestartedEmptyStopsEveryReplicaAndASnapshotRecovers) { LoseTheLogAndRecover(false); }

TEST(FaultsTest, RedisRestartedFromAnOlderFileStopsEveryReplicaAndASnapshotRecovers) {
  LoseTheLogAndRecover(true);
}

}  // namespace
}  // namespace walfs::testing
