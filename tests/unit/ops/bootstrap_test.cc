// Bootstrap over a real 3-server NATS JetStream cluster (an R3 stream) and
// a directory backup store: a replica whose store applied an entry the
// stream did not keep (the servers gave a reader a message they then
// replaced) goes back to the stream's history, from the newest snapshot the
// stream still holds or from its start; where that is not possible, or the
// log does not acknowledge on a quorum, it changes nothing.
#include "ops/bootstrap.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "backup/snapshot.h"
#include "codec/entry.h"
#include "sm/state_machine.h"
#include "store/rocks_store.h"
#include "support/file_content.h"
#include "support/process.h"

namespace walfs {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class BootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nats_ = std::make_unique<testing::NatsCluster>(dir_.path(), 3);
    log_ = std::move(OpenLog(nats_->url(), dir_.path(), LogOptions{})).value();
    conn_ = std::move(log_->Connect()).value();
    opts_.data_dir = dir_.path() + "/data";
    std::filesystem::create_directories(opts_.data_dir);
    opts_.replica_id = "r1";
    opts_.advertise = "http://127.0.0.1:1";
  }
  static std::string Append(const std::string& text) {
    Entry e;
    e.ops = {Op::Append("/f", text)};
    return EncodeEntry(e);
  }
  // Appends "r0\n".."r<n-1>\n" to /f through the stream; its records.
  std::vector<LogRecord> Write(int n) {
    std::vector<std::string> payloads;
    for (int i = 0; i < n; ++i) payloads.push_back(Append("r" + std::to_string(i) + "\n"));
    EXPECT_TRUE(conn_->Append(payloads).ok());
    auto recs = conn_->Read(Position{}, 100, 2000ms);
    EXPECT_TRUE(recs.ok());
    EXPECT_EQ(recs->size(), static_cast<size_t>(n));
    return *recs;
  }
  // The record a reader was given at rec's place and the stream dropped:
  // same sequence and predecessor, another message.
  static LogRecord Dropped(const LogRecord& rec) {
    return LogRecord{{rec.pos.ms, rec.pos.seq ^ 1}, rec.prev, Append("dropped\n")};
  }
  std::unique_ptr<RocksStore> OpenStore(const std::string& dir) {
    auto store = std::move(RocksStore::Open(dir)).value();
    Overlay init(&store->live());
    EXPECT_TRUE(InitStore(store->live(), &init, 4096).ok());
    EXPECT_TRUE(store->Commit(init).ok());
    return store;
  }
  static void Apply(RocksStore& store, const std::vector<LogRecord>& recs) {
    auto st = *LoadApplyState(store.live());
    Overlay batch(&store.live());
    auto r = ApplyBatch(st, &batch, 4096, recs);
    ASSERT_TRUE(r.stop.ok()) << r.stop.ToString();
    ASSERT_TRUE(store.Commit(batch).ok());
  }
  static std::string Content(const StoreReader& r) { return testing::FileContent(r, "/f"); }
  std::unique_ptr<BackupStore> Backup() {
    return std::move(OpenBackupStore("dir://" + dir_.path() + "/backup", S3Options{})).value();
  }
  std::string store_dir() const { return opts_.data_dir + "/store"; }

  testing::TempDir dir_;
  std::unique_ptr<testing::NatsCluster> nats_;
  std::shared_ptr<Log> log_;
  std::unique_ptr<LogConnection> conn_;
  ServerOptions opts_;
};

TEST_F(BootstrapTest, WithoutASnapshotTheStoreStartsAgainFromTheStreamsFirstEntry) {
  auto recs = Write(4);
  {
    auto store = OpenStore(store_dir());
    Apply(*store, {recs[0], recs[1], Dropped(recs[2])});
  }
  auto said = BootstrapIfNeeded(opts_, *log_, nullptr);
  ASSERT_TRUE(said.ok()) << said.status().ToString();
  EXPECT_THAT(*said, HasSubstr("did not keep"));
  EXPECT_THAT(*said, HasSubstr("starts again from the log's first entry"));
  auto store = OpenStore(store_dir());
  EXPECT_TRUE(LoadApplyState(store->live())->applied.IsZero());
  Apply(*store, recs);
  EXPECT_EQ(Content(store->live()), "r0\nr1\nr2\nr3\n");
  // The store that applied the dropped entry is kept aside, as it was.
  auto forked = std::move(RocksStore::OpenReadOnly(opts_.data_dir + "/store.forked")).value();
  EXPECT_EQ(Content(forked->live()), "r0\nr1\ndropped\n");
  // Bootstrapped again, nothing changes.
  store.reset();
  EXPECT_EQ(*BootstrapIfNeeded(opts_, *log_, nullptr), "");
}

TEST_F(BootstrapTest, TheNewestSnapshotTheStreamHoldsIsRestored) {
  auto recs = Write(4);
  auto backup = Backup();
  {
    auto store = OpenStore(store_dir());
    Apply(*store, {recs[0]});
    ASSERT_TRUE(TakeSnapshot(*store, *backup, dir_.path() + "/tmp", "r1").ok());
    Apply(*store, {recs[1]});
    ASSERT_TRUE(TakeSnapshot(*store, *backup, dir_.path() + "/tmp", "r1").ok());
    // A snapshot taken after the dropped entry is not on the stream's history.
    Apply(*store, {Dropped(recs[2])});
    ASSERT_TRUE(TakeSnapshot(*store, *backup, dir_.path() + "/tmp", "r1").ok());
  }
  auto said = BootstrapIfNeeded(opts_, *log_, backup.get());
  ASSERT_TRUE(said.ok()) << said.status().ToString();
  EXPECT_THAT(*said, HasSubstr("position " + recs[1].pos.ToString() + ", which the log holds"));
  auto store = std::move(RocksStore::Open(store_dir())).value();
  EXPECT_EQ(LoadApplyState(store->live())->applied, recs[1].pos);
  Apply(*store, {recs[2], recs[3]});
  EXPECT_EQ(Content(store->live()), "r0\nr1\nr2\nr3\n");
}

TEST_F(BootstrapTest, NothingChangesWhereTheLogMayHaveLostAcknowledgedEntriesOrWasTrimmed) {
  // A stream of one server acknowledges what one server holds: an entry it
  // no longer holds may have been acknowledged, and the applier stops.
  std::string url = nats_->url("single");
  url.replace(url.find("replicas=3"), 10, "replicas=1");
  auto r1 = std::move(OpenLog(url, dir_.path(), LogOptions{})).value();
  auto c1 = std::move(r1->Connect()).value();
  ASSERT_TRUE(c1->Append({Append("r0\n"), Append("r1\n")}).ok());
  auto recs = *c1->Read(Position{}, 10, 2000ms);
  ASSERT_EQ(recs.size(), 2u);
  {
    auto store = OpenStore(store_dir());
    Apply(*store, {recs[0], Dropped(recs[1])});
  }
  EXPECT_EQ(*BootstrapIfNeeded(opts_, *r1, nullptr), "");
  {
    auto store = std::move(RocksStore::Open(store_dir())).value();
    EXPECT_EQ(LoadApplyState(store->live())->applied, Dropped(recs[1]).pos);
  }
  // On the R3 stream, trimmed and with no snapshot: refused, saying why.
  std::filesystem::remove_all(store_dir());
  auto r3 = Write(3);
  {
    auto store = OpenStore(store_dir());
    Apply(*store, {r3[0], Dropped(r3[1])});
  }
  ASSERT_TRUE(conn_->Trim(r3[1].pos).ok());
  auto refused = BootstrapIfNeeded(opts_, *log_, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kNotReady);
  EXPECT_THAT(refused.status().message(), HasSubstr("walfs restore"));
}

}  // namespace
}  // namespace walfs
