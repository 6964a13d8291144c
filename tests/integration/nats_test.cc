// Three `walfs serve` replicas on a 3-server NATS JetStream cluster (R3 on
// loopback), checked as a client sees them.
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

bool Converged(Cluster& c) {
  json first;
  for (size_t i = 0; i < c.size(); ++i) {
    auto cl = c.node(i).Client();
    json r = Ready(cl);
    if (!r.is_object() || r.value("status", "") != "ready") return false;
    if (i == 0) first = r;
    if (r["applied"] != first["applied"] || r["digest"] != first["digest"]) return false;
  }
  return first["applied"] == first["log_last"];
}

// A write larger than NATS's max_payload (1 MB: the test servers keep the
// default) is staged in entries the log takes, and reads back whole from
// another replica.
TEST(NatsTest, AWriteLargerThanOneMessageIsStagedAndReadsBackElsewhere) {
  Cluster c(TestLog::kNats, 3);
  std::string body(20 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 131) >> 7);
  auto cl = c.node(0).Client();
  auto r = cl.Request("PUT", "/v1/fs/big.bin", body);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 201) << r->body;
  // More entries than one: the 20 MiB went in chunks of under 1 MB.
  EXPECT_GT(Position::Parse(Json(*r)["position"].get<std::string>())->ms, 20u);
  auto other = c.node(2).Client();
  EXPECT_TRUE(StrongRead(other, "/big.bin") == body);
  EXPECT_TRUE(WaitFor([&] { return Converged(c); }, 30s));
}

// Moving from one Redis to NATS (operations.md): a snapshot of the cluster
// on Redis, `walfs restore --reseed-log` into a new JetStream stream, and
// replicas on NATS that go on from there: the restored files, positions
// above the old ones, and a second replica that bootstraps from the same
// snapshot because the new stream starts after it.
TEST(NatsTest, AClusterMovesFromRedisToNatsThroughASnapshot) {
  TempDir dir;
  std::string backup = "dir://" + dir.path() + "/backup";
  Cluster old(TestLog::kRedis, 1,
              {"--backup", backup, "--snapshot-every-entries", "0", "--snapshot-every-ms", "0"});
  HttpClient a = old.node(0).Client();
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(a.Request("POST", "/v1/fs/logs/app.log?op=append", "0123456789")->status, 200);
  }
  auto snap = a.Request("POST", "/v1/admin/snapshots");
  ASSERT_EQ(snap->status, 201) << snap->body;
  auto last_on_redis = Position::Parse(Json(*snap)["position"].get<std::string>());
  ASSERT_TRUE(last_on_redis);

  NatsCluster nats(dir.path(), 3);
  auto [code, out] = RunCli(
      {"restore", "--backup", backup, "--data", dir.path() + "/n0", "--reseed-log", nats.url()});
  ASSERT_EQ(code, 0) << out;
  ServeProcess moved(dir.path() + "/n0", nats.url(), "n0");
  moved.Start();
  ASSERT_TRUE(moved.WaitReady(60s));
  HttpClient m = moved.Client();
  EXPECT_EQ(m.Get("/v1/fs/logs/app.log")->body.size(), 300u);
  auto w = m.Request("POST", "/v1/fs/logs/app.log?op=append", "after");
  ASSERT_EQ(w->status, 200) << w->body;
  EXPECT_EQ(Json(*w)["offset"], 300);
  auto pos = Position::Parse(Json(*w)["position"].get<std::string>());
  ASSERT_TRUE(pos);
  EXPECT_GT(*pos, *last_on_redis);  // positions go on above the Redis ones
  ServeProcess second(dir.path() + "/n1", nats.url(), "n1", {"--backup", backup});
  second.Start();
  ASSERT_TRUE(second.WaitReady(60s));
  EXPECT_EQ(second.Client().Get("/v1/fs/logs/app.log?consistency=strong")->body.size(), 305u);
}

}  // namespace
}  // namespace walfs::testing
