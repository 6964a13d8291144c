// A replica cut off from Redis (make faults; needs root for network
// namespaces): the replica runs in a network namespace the test makes, with
// one link for its clients and another to Redis. With the Redis link down it
// keeps serving reads, marked X-Walfs-Stale, answers /readyz 503 and refuses
// writes; when the link returns it heals by itself and converges.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "faults/history.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

void Run(const std::vector<std::string>& argv) {
  Process p(argv);
  int st = p.Wait(10s);
  if (st != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    throw std::runtime_error("failed (" + std::to_string(st) + "): " + cmd);
  }
}

// A network namespace joined to this one by two veth links: "client"
// (10.N.1.0/30) and "log" (10.N.2.0/30); this side holds .1, the
// namespace .2.
class Namespace {
 public:
  Namespace() {
    int tag = static_cast<int>(::getpid() % 100000);
    name_ = "walfs-test-" + std::to_string(tag);
    net_ = "10." + std::to_string(100 + tag % 100) + ".";
    Run({"ip", "netns", "add", name_});
    Run({"ip", "-n", name_, "link", "set", "lo", "up"});
    for (int link = 1; link <= 2; ++link) {
      std::string outer = Outer(link),
                  inner = "wt" + std::to_string(tag) + "i" + std::to_string(link);
      Run({"ip", "link", "add", outer, "type", "veth", "peer", "name", inner});
      Run({"ip", "link", "set", inner, "netns", name_});
      Run({"ip", "addr", "add", Address(link, 1) + "/30", "dev", outer});
      Run({"ip", "-n", name_, "addr", "add", Address(link, 2) + "/30", "dev", inner});
      Run({"ip", "link", "set", outer, "up"});
      Run({"ip", "-n", name_, "link", "set", inner, "up"});
    }
  }
  ~Namespace() {
    for (int link = 1; link <= 2; ++link) {
      Process p({"ip", "link", "del", Outer(link)});
      p.Wait(10s);
    }
    Process p({"ip", "netns", "del", name_});
    p.Wait(10s);
  }
  const std::string& name() const { return name_; }
  // link 1: clients, link 2: the log. side 1: here, side 2: the namespace.
  std::string Address(int link, int side) const {
    return net_ + std::to_string(link) + "." + std::to_string(side);
  }
  void SetLink(int link, bool up) { Run({"ip", "link", "set", Outer(link), up ? "up" : "down"}); }

 private:
  std::string Outer(int link) const {
    return "wt" + std::to_string(::getpid() % 100000) + "o" + std::to_string(link);
  }
  std::string name_, net_;
};

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
