// Contract tests run against every log backend: the embedded local log (in
// memory and on disk) and a real redis-server.
#include "log/log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <thread>

#include "log/local_log.h"
#include "log/redis_log.h"
#include "support/process.h"

namespace walfs {
namespace {

using namespace std::chrono_literals;

class LogContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string kind = GetParam();
    if (kind == "redis") {
      redis_ = std::make_unique<testing::RedisServer>(dir_.path());
      auto l = OpenLog(redis_->url(), dir_.path(), LogOptions{});
      ASSERT_TRUE(l.ok()) << l.status().ToString();
      log_ = *l;
    } else if (kind.rfind("nats", 0) == 0) {
      nats_ = std::make_unique<testing::NatsCluster>(dir_.path(), kind == "nats-r3" ? 3 : 1);
      auto l = OpenLog(nats_->url(), dir_.path(), LogOptions{});
      ASSERT_TRUE(l.ok()) << l.status().ToString();
      log_ = *l;
    } else {
      auto l = OpenLog(kind, dir_.path(), LogOptions{});
      ASSERT_TRUE(l.ok()) << l.status().ToString();
      log_ = *l;
    }
    conn_ = std::move(log_->Connect()).value();
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<testing::NatsCluster> nats_;
  std::shared_ptr<Log> log_;
  std::unique_ptr<LogConnection> conn_;
};

TEST_P(LogContractTest, AppendsChainEachEntryToItsPredecessor) {
  EXPECT_EQ(*conn_->Last(), Position{});
  auto a = conn_->Append({"one"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = conn_->Append({"two", std::string("thr\0ee", 6), ""});
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->size(), 3u);
  auto recs = conn_->Read(Position{}, 100, 10ms);
  ASSERT_TRUE(recs.ok());
  ASSERT_EQ(recs->size(), 4u);
  EXPECT_EQ((*recs)[0].prev, Position{});
  for (size_t i = 1; i < recs->size(); ++i) {
    EXPECT_EQ((*recs)[i].prev, (*recs)[i - 1].pos);
    EXPECT_LT((*recs)[i - 1].pos, (*recs)[i].pos);
  }
  EXPECT_EQ((*recs)[2].payload, std::string("thr\0ee", 6));
  EXPECT_EQ((*recs)[3].payload, "");
  EXPECT_EQ(*conn_->Last(), (*b)[2]);
  auto tail = conn_->Read((*a)[0], 2, 10ms);
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ((*tail)[0].payload, "two");
}

TEST_P(LogContractTest, ReadBlocksUntilAnAppendArrives) {
  auto second = std::move(log_->Connect()).value();
  std::thread writer([&] {
    // The reader is already blocked or about to block; either way it must
    // see this entry without polling.
    auto r = second->Append({"late"});
    ASSERT_TRUE(r.ok());
  });
  std::vector<LogRecord> got;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        auto r = conn_->Read(Position{}, 10, 200ms);
        if (r.ok()) got = *r;
        return !got.empty();
      },
      10s));
  writer.join();
  EXPECT_EQ(got[0].payload, "late");
}

TEST_P(LogContractTest, AReadThatWaitsForNothingStillGetsWhatTheLogHolds) {
  ASSERT_TRUE(conn_->Append({"a", "b"}).ok());
  // A fresh connection (its first read; on NATS a new consumer, whose
  // messages come after it is made), asked not to wait: the bootstrap
  // check reads like this.
  auto fresh = std::move(log_->Connect()).value();
  auto r = fresh->Read(Position{}, 10, 0ms);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].payload, "b");
}

TEST_P(LogContractTest, ReadOnAnEmptyLogTimesOutEmpty) {
  auto r = conn_->Read(Position{}, 10, 20ms);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST_P(LogContractTest, TailCountsAndTrimKeepsEverythingFromMinKeep) {
  auto empty = conn_->Tail();
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->length, 0u);
  auto pos = *conn_->Append({"a", "b", "c", "d"});
  auto t = *conn_->Tail();
  EXPECT_EQ(t.first, pos[0]);
  EXPECT_EQ(t.last, pos[3]);
  EXPECT_EQ(t.length, 4u);
  EXPECT_EQ(t.entries_added, 4u);
  ASSERT_TRUE(conn_->Trim(pos[2]).ok());
  t = *conn_->Tail();
  EXPECT_EQ(t.first, pos[2]);
  EXPECT_EQ(t.length, 2u);
  EXPECT_EQ(t.entries_added, 4u);
  auto recs = *conn_->Read(Position{}, 10, 10ms);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].payload, "c");
  EXPECT_EQ(recs[0].prev, pos[1]);  // the chain survives the trim
  auto more = *conn_->Append({"e"});
  EXPECT_EQ((*conn_->Read(pos[3], 10, 10ms))[0].prev, pos[3]);
  (void)more;
}

// Holds never calls an entry of the log replaced; a log that can look one
// up (NATS) tells held, replaced (another entry at that sequence) and
// unknown (trimmed, beyond the end) apart. Only a NATS stream with replicas
// acknowledges on a quorum.
TEST_P(LogContractTest, HoldsTellsAnEntryOfTheLogFromOneItDidNotKeep) {
  using H = LogConnection::Holding;
  bool looks_up = GetParam().rfind("nats", 0) == 0;
  EXPECT_EQ(conn_->AcknowledgesOnQuorum(), GetParam() == "nats-r3");
  EXPECT_EQ(*conn_->Holds(Position{}), H::kHeld);
  auto pos = *conn_->Append({"a", "b", "c"});
  for (const auto& p : pos) EXPECT_EQ(*conn_->Holds(p), looks_up ? H::kHeld : H::kUnknown);
  Position other_tag{pos[1].ms, pos[1].seq ^ 1};
  EXPECT_EQ(*conn_->Holds(other_tag), looks_up ? H::kReplaced : H::kUnknown);
  Position beyond{pos[2].ms + 1000, 7};
  EXPECT_EQ(*conn_->Holds(beyond), H::kUnknown);
  ASSERT_TRUE(conn_->Trim(pos[1]).ok());
  EXPECT_EQ(*conn_->Holds(pos[0]), H::kUnknown);
  EXPECT_EQ(*conn_->Holds(pos[1]), looks_up ? H::kHeld : H::kUnknown);
}

TEST_P(LogContractTest, HeartbeatsAndLeases) {
  ASSERT_TRUE(conn_->PutHeartbeat("r1", R"({"id":"r1"})", 60000).ok());
  ASSERT_TRUE(conn_->PutHeartbeat("r2", R"({"id":"r2"})", 60000).ok());
  ASSERT_TRUE(conn_->PutHeartbeat("r1", R"({"id":"r1","v":2})", 60000).ok());
  auto hb = *conn_->Heartbeats();
  std::sort(hb.begin(), hb.end());
  EXPECT_EQ(hb, (std::vector<std::string>{R"({"id":"r1","v":2})", R"({"id":"r2"})"}));
  ASSERT_TRUE(conn_->PutHeartbeat("short", "{}", 1).ok());
  EXPECT_TRUE(testing::WaitFor([&] { return conn_->Heartbeats()->size() == 2; }, 5s));
  EXPECT_TRUE(*conn_->AcquireLease("trim", "a", 60000));
  EXPECT_FALSE(*conn_->AcquireLease("trim", "b", 60000));
  EXPECT_TRUE(*conn_->AcquireLease("trim", "a", 60000));  // renewal
  EXPECT_TRUE(*conn_->AcquireLease("other", "b", 1));
  EXPECT_TRUE(testing::WaitFor([&] { return *conn_->AcquireLease("other", "c", 60000); }, 5s));
}

TEST_P(LogContractTest, SeedContinuesAboveARestoredPosition) {
  // A position of another log (a Redis id): the seeded log goes on above it.
  Position restored{1796288270513, 5};
  ASSERT_TRUE(conn_->Seed(restored, "seed").ok());
  auto recs = *conn_->Read(restored, 10, 1000ms);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].prev, restored);
  EXPECT_GT(recs[0].pos, restored);
  EXPECT_EQ(recs[0].payload, "seed");
  // A fresh connection knows it too, and appends chain on.
  auto other = std::move(log_->Connect()).value();
  auto next = other->Append({"next"});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  auto more = *other->Read(recs[0].pos, 10, 1000ms);
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].prev, recs[0].pos);
  EXPECT_EQ(more[0].pos, (*next)[0]);
  EXPECT_EQ(*other->Last(), (*next)[0]);
  EXPECT_EQ(conn_->Seed(restored, "again").code(), Code::kAlreadyExists);
}

TEST_P(LogContractTest, RacingAppendersLoseNothingAndKeepEachBatchInOrder) {
  constexpr int kWriters = 3, kBatches = 20, kPerBatch = 5;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto c = std::move(log_->Connect()).value();
      for (int b = 0; b < kBatches; ++b) {
        std::vector<std::string> batch;
        for (int i = 0; i < kPerBatch; ++i) {
          batch.push_back(std::to_string(w) + "/" + std::to_string(b * kPerBatch + i));
        }
        // A batch that timed out (a slow machine) is not retried: it may be
        // in the log, and a second copy would count as a duplicate.
        if (!c->Append(batch).ok()) ++failures;
      }
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_EQ(failures, 0);
  std::vector<LogRecord> all;
  Position at;
  while (all.size() < kWriters * kBatches * kPerBatch) {
    auto r = conn_->Read(at, 1000, 1000ms);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_FALSE(r->empty()) << "only " << all.size() << " entries";
    for (auto& rec : *r) {
      EXPECT_EQ(rec.prev, at);
      at = rec.pos;
      all.push_back(std::move(rec));
    }
  }
  EXPECT_TRUE(conn_->Read(at, 10, 50ms)->empty());
  std::map<int, int> next;  // writer -> the record it appends next
  for (const auto& rec : all) {
    int w = std::stoi(rec.payload.substr(0, rec.payload.find('/')));
    int n = std::stoi(rec.payload.substr(rec.payload.find('/') + 1));
    EXPECT_EQ(n, next[w]) << "writer " << w;
    next[w] = n + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, LogContractTest,
                         ::testing::Values("memory", "local", "redis", "nats", "nats-r3"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(LocalLogTest, SurvivesReopenAndCutsATornTail) {
  testing::TempDir dir;
  std::string path = dir.path() + "/l.log";
  {
    auto l = *LocalLog::Open(path, true);
    ASSERT_TRUE(l->Append({"a", "b"}).ok());
  }
  {
    std::ofstream f(path, std::ios::app | std::ios::binary);
    f << "\x40\x00\x00\x00garbage";  // a torn record
  }
  auto l = *LocalLog::Open(path, true);
  auto recs = l->Read(Position{}, 10, 0ms);
  ASSERT_EQ(recs->size(), 2u);
  EXPECT_EQ((*recs)[1].payload, "b");
  ASSERT_TRUE(l->Append({"c"}).ok());
  auto l2 = *LocalLog::Open(path, true);
  EXPECT_EQ(l2->Read(Position{}, 10, 0ms)->size(), 3u);
}

TEST(LocalLogTest, ATrimmedFileReopensWithItsChain) {
  testing::TempDir dir;
  std::string path = dir.path() + "/l.log";
  std::vector<Position> pos;
  {
    auto l = *LocalLog::Open(path, true);
    pos = *l->Append({"a", "b", "c"});
    ASSERT_TRUE(l->Trim(pos[1]).ok());
    ASSERT_TRUE(l->Append({"d"}).ok());
  }
  auto l = *LocalLog::Open(path, true);
  auto recs = *l->Read(Position{}, 10, 0ms);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].payload, "b");
  EXPECT_EQ(recs[0].prev, pos[0]);
  EXPECT_EQ(recs[2].payload, "d");
}

TEST(LocalLogTest, PositionsStayIncreasingWhenTheClockStepsBack) {
  uint64_t now = 5000;
  auto l = *LocalLog::Open("", false, [&] { return now; });
  auto a = *l->Append({"a"});
  now = 4000;
  auto b = *l->Append({"b", "c"});
  EXPECT_EQ(a[0], (Position{5000, 0}));
  EXPECT_EQ(b[0], (Position{5000, 1}));
  EXPECT_EQ(b[1], (Position{5000, 2}));
}

TEST(RedisLogTest, UnreachableRedisIsLogUnavailableAndRecovers) {
  testing::TempDir dir;
  testing::RedisServer redis(dir.path());
  auto log = *OpenLog(redis.url(), dir.path(), LogOptions{200, 500});
  auto conn = std::move(log->Connect()).value();
  ASSERT_TRUE(conn->Append({"before"}).ok());
  redis.Stop();
  auto r = conn->Append({"while down"});
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().code() == Code::kLogUnavailable || r.status().code() == Code::kTimeout)
      << r.status().ToString();
  auto again = conn->Append({"still down"});
  EXPECT_EQ(again.status().code(), Code::kLogUnavailable);
  redis.Start();  // same port, empty (no persistence): the log went backwards
  auto after = conn->Append({"after"});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  auto recs = conn->Read(Position{}, 10, 10ms);
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_EQ((*recs)[0].prev, Position{});  // a replica at "before" will see the break
}

TEST(RedisLogTest, ParsesUrls) {
  auto a = *ParseRedisUrl("redis://10.0.0.1:7000/2?stream=vol1");
  EXPECT_EQ(a.host, "10.0.0.1");
  EXPECT_EQ(a.port, 7000);
  EXPECT_EQ(a.db, 2);
  EXPECT_EQ(a.stream, "vol1");
  auto d = *ParseRedisUrl("redis://");
  EXPECT_EQ(d.port, 6379);
  EXPECT_EQ(d.stream, "walfs");
  EXPECT_FALSE(ParseRedisUrl("redis://h:99999").ok());
  EXPECT_FALSE(ParseRedisUrl("redis://h:1?x=y").ok());
  EXPECT_FALSE(ParseRedisUrl("http://h").ok());
}

}  // namespace
}  // namespace walfs
