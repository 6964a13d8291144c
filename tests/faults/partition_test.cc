// A replica cut off from Redis (make faults; needs root for network
// namespaces): the replica runs in a network namespace the test makes, with
// one link for its clients and another to Redis. With the Redis link down it
// keeps serving reads, marked X-Walfs-Stale, answers /readyz 503 and refuses
// writes; when the link returns it heals by itself and converges.
#include <gtest/gtest.h>

#include "faults/history.h"
#include "faults/netns.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

bool ReadyIs(HttpClient& h, int status) {
  auto r = h.Get("/readyz");
  return r.ok() && r->status == status;
}

TEST(FaultsTest, AReplicaCutOffFromRedisServesStaleReadsAndHealsByItself) {
  Namespace ns;
  TempDir dir;
  RedisServer redis(dir.path(), /*appendonly=*/true, ns.Address(2, 1));
  ServeProcess r0(dir.path() + "/r0", redis.url(), "r0"), r1(dir.path() + "/r1", redis.url(), "r1");
  r0.Start();
  r1.Start();
  ASSERT_TRUE(r0.WaitReady() && r1.WaitReady());
  std::string listen = ns.Address(1, 2) + ":8080";
  std::string log =
      "redis://" + ns.Address(2, 1) + ":" + std::to_string(redis.port()) + "?stream=walfs";
  Process cut_off({"ip", "netns", "exec", ns.name(), WALFS_BINARY, "serve", "--data",
                   dir.path() + "/r2", "--listen", listen, "--log", log, "--replica-id", "r2"},
                  dir.path() + "/r2.log");
  std::string url = "http://" + listen;
  HttpClient c(url, 3000);
  ASSERT_TRUE(WaitFor([&] { return ReadyIs(c, 200); }, 20s));
  std::vector<std::string> all = {r0.url(), r1.url(), url};
  History h(all, HistoryOptions{});
  h.Start();
  int partitions = 0;
  for (int round = 0; round < 2; ++round) {
    uint64_t before = h.acked();
    ASSERT_TRUE(WaitFor([&] { return h.acked() >= before + 200; }, 30s));
    ns.SetLink(2, false);
    ++partitions;
    ASSERT_TRUE(WaitFor([&] { return ReadyIs(c, 503); }, 30s)) << "round " << round;
    EXPECT_NE(c.Get("/readyz")->body.find("unreachable"), std::string::npos)
        << c.Get("/readyz")->body;
    auto r = c.Get("/v1/fs/history/f0");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("x-walfs-stale"), "log_unreachable");
    auto w = c.Request("POST", "/v1/fs/history/cut?op=append", "cut off\n");
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(w->status, 503) << w->body;
    EXPECT_EQ(Json(*w)["error"], "log_unavailable");
    // The rest of the cluster goes on.
    uint64_t during = h.acked();
    ASSERT_TRUE(WaitFor([&] { return h.acked() >= during + 200; }, 30s));
    ns.SetLink(2, true);
    ASSERT_TRUE(WaitFor([&] { return ReadyIs(c, 200); }, 60s))
        << "round " << round << ": did not heal";
    EXPECT_EQ(c.Get("/v1/fs/history/f0")->header("x-walfs-stale"), "");
  }
  h.Stop();
  ASSERT_TRUE(WaitFor([&] { return Converged(all); }, 60s));
  Tally t = h.Check(all);
  std::printf(
      "faults: replica cut off from Redis %d times (network namespace, link down): stale reads "
      "marked, "
      "/readyz 503, healed by itself; %s\n",
      partitions, t.Summary().c_str());
  ExpectNoAnomalies(t);
  cut_off.Stop();
}

}  // namespace
}  // namespace walfs::testing
