// Three `walfs serve` replicas on one real redis-server, checked as a client
// sees them.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "integration/harness.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

// Converged: every replica has applied the same position with the same digest.
bool Converged(Cluster& c, std::vector<HttpClient>& clients) {
  json first = Ready(clients[0]);
  if (!first.is_object() || first.value("status", "") != "ready") return false;
  for (size_t i = 1; i < c.size(); ++i) {
    json r = Ready(clients[i]);
    if (!r.is_object() || r["applied"] != first["applied"] || r["digest"] != first["digest"]) {
      return false;
    }
  }
  return first["applied"] == first["log_last"];
}

std::vector<HttpClient> Clients(Cluster& c) {
  std::vector<HttpClient> out;
  for (size_t i = 0; i < c.size(); ++i) out.push_back(c.node(i).Client());
  return out;
}

// (a) 8 clients x 200 appends over three replicas: every record exactly
// once, none torn, replicas byte-identical, offsets where the bytes are.
TEST(ClusterTest, ConcurrentAppendsAreNeverLostOrTorn) {
  Cluster c(3);
  constexpr int kClients = 8, kAppends = 200;
  std::mutex mu;
  std::map<std::string, uint64_t> offset_of;  // record -> reported offset
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&, t] {
      std::vector<HttpClient> cl = Clients(c);
      for (int i = 0; i < kAppends; ++i) {
        char rec[32];
        std::snprintf(rec, sizeof rec, "client%02d-record%04d\n", t, i);
        auto r = cl[(t + i) % 3].Request("POST", "/v1/fs/shared/log.txt?op=append", rec);
        if (!r.ok() || r->status != 200) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mu);
        offset_of[rec] = Json(*r)["offset"].get<uint64_t>();
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  auto cl = Clients(c);
  std::string content = StrongRead(cl[0], "/shared/log.txt");
  constexpr size_t kRecordBytes = 20;  // "client00-record0000\n"
  ASSERT_EQ(content.size(), kClients * kAppends * kRecordBytes);
  std::set<std::string> seen;
  for (size_t off = 0; off < content.size(); off += kRecordBytes) {
    std::string rec = content.substr(off, kRecordBytes);
    ASSERT_TRUE(offset_of.count(rec)) << "torn or unknown record at " << off << ": " << rec;
    EXPECT_EQ(offset_of[rec], off) << rec;
    EXPECT_TRUE(seen.insert(rec).second) << "duplicate " << rec;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kClients * kAppends));
  for (size_t i = 1; i < 3; ++i) EXPECT_EQ(StrongRead(cl[i], "/shared/log.txt"), content);
  EXPECT_TRUE(WaitFor([&] { return Converged(c, cl); }, 10s));
}

// (b) read-your-writes across replicas with min_position.
TEST(ClusterTest, MinPositionGivesReadYourWritesOnAnotherReplica) {
  Cluster c(3);
  auto cl = Clients(c);
  for (int i = 0; i < 20; ++i) {
    std::string body = "version " + std::to_string(i);
    auto w = cl[0].Request("PUT", "/v1/fs/ryw", body);
    ASSERT_TRUE(w.ok());
    ASSERT_LT(w->status, 300);
    std::string pos = Json(*w)["position"];
    EXPECT_EQ(w->header("x-walfs-position"), pos);
    auto r = cl[1 + i % 2].Get("/v1/fs/ryw?min_position=" + pos);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->body, body);
    auto h = cl[2].Request("GET", "/v1/fs/ryw", "", {{"X-Walfs-Min-Position", pos}});
    EXPECT_EQ(h->body, body);
  }
}

// (c) two clients race If-Match on one version: exactly one wins.
TEST(ClusterTest, IfMatchRaceHasExactlyOneWinner) {
  Cluster c(3);
  auto cl = Clients(c);
  for (int round = 0; round < 10; ++round) {
    auto w = cl[0].Request("PUT", "/v1/fs/race", "base");
    std::string version = Json(*w)["version"];
    std::atomic<int> ok{0}, failed{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 2; ++t) {
      ts.emplace_back([&, t] {
        HttpClient h = c.node(1 + t).Client();
        auto r = h.Request("PUT", "/v1/fs/race", "writer" + std::to_string(t),
                           {{"If-Match", "\"" + version + "\""}});
        if (r.ok() && r->status == 200) ++ok;
        if (r.ok() && r->status == 412 && Json(*r)["error"] == "precondition_failed") ++failed;
      });
    }
    for (auto& t : ts) t.join();
    EXPECT_EQ(ok.load(), 1);
    EXPECT_EQ(failed.load(), 1);
  }
}

// (d) a retried write with the same Idempotency-Key is applied once.
TEST(ClusterTest, IdempotencyKeyRetriesApplyOnce) {
  Cluster c(3);
  auto cl = Clients(c);
  auto first = cl[0].Request("POST", "/v1/fs/idem?op=append", "payload-1\n",
                             {{"Idempotency-Key", "req-42"}});
  ASSERT_EQ(first->status, 200);
  for (size_t i = 0; i < 3; ++i) {
    auto again = cl[i].Request("POST", "/v1/fs/idem?op=append", "payload-1\n",
                               {{"Idempotency-Key", "req-42"}});
    ASSERT_EQ(again->status, 200);
    EXPECT_EQ(Json(*again), Json(*first));
  }
  auto other = cl[1].Request("POST", "/v1/fs/idem?op=append", "payload-2\n",
                             {{"Idempotency-Key", "req-42"}});
  EXPECT_EQ(other->status, 422);
  EXPECT_EQ(Json(*other)["error"], "idempotency_key_reused");
  for (auto& h : cl) EXPECT_EQ(StrongRead(h, "/idem"), "payload-1\n");
}

// (e) kill -9 of a replica under load; restarted, it catches up and converges.
TEST(ClusterTest, KilledReplicaCatchesUpAndConverges) {
  Cluster c(3);
  std::atomic<bool> stop{false};
  std::atomic<int> acked{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      HttpClient h = c.node(t % 2).Client();
      for (int i = 0; !stop; ++i) {
        auto r =
            h.Request("POST", "/v1/fs/load/f" + std::to_string(t) + "?op=append", "0123456789");
        if (r.ok() && r->status == 200) ++acked;
      }
    });
  }
  ASSERT_TRUE(WaitFor([&] { return acked > 200; }, 30s));
  c.node(2).Kill(9);
  int at_kill = acked;
  ASSERT_TRUE(WaitFor([&] { return acked > at_kill + 300; }, 30s));
  c.node(2).Start();
  ASSERT_TRUE(WaitFor([&] { return acked > at_kill + 600; }, 30s));
  stop = true;
  for (auto& w : writers) w.join();
  auto cl = Clients(c);
  ASSERT_TRUE(WaitFor([&] { return Converged(c, cl); }, 30s));
  uint64_t total = 0;
  for (int t = 0; t < 4; ++t) {
    std::string f = "/load/f" + std::to_string(t);
    std::string a = StrongRead(cl[0], f);
    EXPECT_EQ(StrongRead(cl[2], f), a);
    total += a.size();
  }
  EXPECT_EQ(total, static_cast<uint64_t>(acked.load()) * 10);
}

// (f) Redis stopped: writes 503 log_unavailable, reads 200; Redis back: writes work.
TEST(ClusterTest, RedisDownMeansLogUnavailableForWritesOnly) {
  Cluster c(2, /*redis_appendonly=*/true);
  auto cl = Clients(c);
  ASSERT_EQ(cl[0].Request("PUT", "/v1/fs/k", "before")->status, 201);
  ASSERT_EQ(StrongRead(cl[1], "/k"), "before");
  c.redis().Stop();
  auto start = std::chrono::steady_clock::now();
  auto w = cl[0].Request("PUT", "/v1/fs/k", "during");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, 503);
  EXPECT_EQ(Json(*w)["error"], "log_unavailable");
  EXPECT_LT(took, 10s);
  auto r = cl[1].Get("/v1/fs/k");
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "before");
  EXPECT_TRUE(WaitFor([&] { return cl[0].Get("/readyz")->status == 503; }, 10s));
  c.redis().Start();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto again = cl[0].Request("PUT", "/v1/fs/k", "after");
        return again.ok() && again->status == 200;
      },
      20s));
  EXPECT_EQ(StrongRead(cl[1], "/k"), "after");
  EXPECT_TRUE(c.node(0).WaitReady());
}

// A Redis that lost its entries (restarted empty) is a log that went
// backwards: replicas stop applying, say why, and refuse writes.
TEST(ClusterTest, LogThatLostEntriesStopsReplicasLoudly) {
  Cluster c(2);
  auto cl = Clients(c);
  ASSERT_EQ(cl[0].Request("PUT", "/v1/fs/k", "v1")->status, 201);
  ASSERT_EQ(StrongRead(cl[1], "/k"), "v1");
  c.redis().Stop();
  c.redis().Start();  // no persistence: the stream is gone
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = cl[0].Get("/readyz");
        return r.ok() && r->status == 503 &&
               Json(*r)["message"].get<std::string>().find("applier stopped") != std::string::npos;
      },
      20s));
  auto w = cl[0].Request("PUT", "/v1/fs/k", "v2");
  EXPECT_EQ(w->status, 503);
  EXPECT_EQ(Json(*w)["error"], "not_ready");
  auto r = cl[0].Get("/v1/fs/k");
  EXPECT_EQ(r->status, 200);  // the last applied state stays readable
  EXPECT_EQ(r->body, "v1");
}

}  // namespace
}  // namespace walfs::testing
