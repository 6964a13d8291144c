// Snapshots over a real RocksDB store and a directory backup store, with a
// fault-injecting backup store that fails the Nth upload.
#include "backup/snapshot.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <thread>

#include "codec/entry.h"
#include "ops/snapshotter.h"
#include "sm/state_machine.h"
#include "support/file_content.h"
#include "support/process.h"

namespace walfs {
namespace {

// Fails every call after `ok_calls` successful puts.
class FailingStore final : public BackupStore {
 public:
  FailingStore(std::unique_ptr<BackupStore> inner, int ok_puts)
      : inner_(std::move(inner)), left_(ok_puts) {}
  Status PutFile(const std::string& k, const std::string& p) override {
    if (left_-- <= 0) return Status(Code::kIoError, "injected upload failure");
    return inner_->PutFile(k, p);
  }
  Status PutBytes(const std::string& k, const std::string& b) override {
    if (left_-- <= 0) return Status(Code::kIoError, "injected upload failure");
    return inner_->PutBytes(k, b);
  }
  Status GetFile(const std::string& k, const std::string& p) override {
    return inner_->GetFile(k, p);
  }
  Result<std::string> GetBytes(const std::string& k) override { return inner_->GetBytes(k); }
  Result<std::vector<ObjectInfo>> List(const std::string& p) override { return inner_->List(p); }
  Status Delete(const std::string& k) override { return inner_->Delete(k); }
  std::string Describe() const override { return "failing " + inner_->Describe(); }

 private:
  std::unique_ptr<BackupStore> inner_;
  int left_;
};

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(RocksStore::Open(dir_.path() + "/store")).value();
    Overlay init(&store_->live());
    ASSERT_TRUE(InitStore(store_->live(), &init, 4096).ok());
    ASSERT_TRUE(store_->Commit(init).ok());
  }
  std::unique_ptr<BackupStore> Backup() {
    return std::move(OpenBackupStore("dir://" + dir_.path() + "/backup", S3Options{})).value();
  }
  // Applies n appends to /f, one entry each.
  void Write(int n) {
    for (int i = 0; i < n; ++i) Apply(Op::Append("/f", "record " + std::to_string(next_) + "\n"));
  }
  void Apply(Op op) {
    {
      auto st = *LoadApplyState(store_->live());
      Entry e;
      e.ops = {std::move(op)};
      LogRecord rec{{1000 + next_++, 0}, st.applied, EncodeEntry(e)};
      Overlay batch(&store_->live());
      auto r = ApplyBatch(st, &batch, 4096, std::span<const LogRecord>(&rec, 1));
      ASSERT_TRUE(r.stop.ok());
      ASSERT_TRUE(store_->Commit(batch).ok());
    }
  }
  std::string Content(const StoreReader& r) { return testing::FileContent(r, "/f"); }

  testing::TempDir dir_;
  std::unique_ptr<RocksStore> store_;
  uint64_t next_ = 0;
};

TEST_F(SnapshotTest, RestoresExactlyTheStateAtItsPosition) {
  Write(10);
  auto backup = Backup();
  auto m = TakeSnapshot(*store_, *backup, dir_.path() + "/tmp", "r1");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  std::string at_snapshot = Content(store_->live());
  auto state = *LoadApplyState(store_->live());
  EXPECT_EQ(m->position, state.applied);
  EXPECT_EQ(m->entries, 10u);
  Write(5);  // later writes are not in it
  ASSERT_TRUE(RestoreSnapshot(*backup, *m, dir_.path() + "/restored").ok());
  auto restored = std::move(RocksStore::OpenReadOnly(dir_.path() + "/restored")).value();
  auto rs = *LoadApplyState(restored->live());
  EXPECT_EQ(rs.applied, state.applied);
  EXPECT_EQ(rs.digest, state.digest);
  EXPECT_EQ(Content(restored->live()), at_snapshot);
  EXPECT_FALSE(RestoreSnapshot(*backup, *m, dir_.path() + "/restored").ok());  // exists
}

TEST_F(SnapshotTest, ListingRetentionAndACorruptFile) {
  auto backup = Backup();
  for (int i = 0; i < 4; ++i) {
    Write(3);
    ASSERT_TRUE(TakeSnapshot(*store_, *backup, dir_.path() + "/tmp", "r1").ok());
  }
  auto again = TakeSnapshot(*store_, *backup, dir_.path() + "/tmp", "r2");  // same position: reused
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ListSnapshots(*backup)->size(), 4u);
  ASSERT_TRUE(PruneSnapshots(*backup, 2).ok());
  auto left = *ListSnapshots(*backup);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left.back().entries, 12u);
  auto objects = backup->List("snapshots/");
  ASSERT_TRUE(objects.ok());
  for (const auto& o : *objects) {
    bool listed = false;
    for (const auto& s : left) {
      for (const auto& f : s.files) listed |= f.key == o.key;
      listed |= o.key == "snapshots/" + s.id + "/manifest.json";
    }
    EXPECT_TRUE(listed) << o.key << " is neither a kept snapshot's file nor its manifest";
  }
  // Flip a byte of one file: the restore refuses it.
  const auto& m = left.back();
  std::string key = m.files[0].key;
  std::string bytes = *backup->GetBytes(key);
  bytes[bytes.size() / 2] ^= 1;
  ASSERT_TRUE(backup->PutBytes(key, bytes).ok());
  Status st = RestoreSnapshot(*backup, m, dir_.path() + "/bad");
  EXPECT_EQ(st.code(), Code::kCorruption) << st.ToString();
}

// Snapshots share the table files they have in common: after a small change
// the next one uploads a small part of what the first did, and pruning the
// first keeps what the second still lists; each restores exactly.
TEST_F(SnapshotTest, SnapshotsAreIncremental) {
  auto backup = Backup();
  for (int i = 0; i < 200; ++i) {
    Apply(Op::Put("/big/" + std::to_string(i),
                  std::string(16 << 10, static_cast<char>('a' + i % 26))));
  }
  auto first = TakeSnapshot(*store_, *backup, dir_.path() + "/tmp", "r1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->uploaded_bytes, first->total_bytes);
  Write(5);
  auto second = TakeSnapshot(*store_, *backup, dir_.path() + "/tmp", "r1");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_LT(second->uploaded_bytes * 4, second->total_bytes)
      << second->uploaded_bytes << " of " << second->total_bytes << " uploaded";
  std::string at_second = Content(store_->live());
  ASSERT_TRUE(PruneSnapshots(*backup, 1).ok());
  ASSERT_EQ(ListSnapshots(*backup)->size(), 1u);
  ASSERT_TRUE(RestoreSnapshot(*backup, *second, dir_.path() + "/restored").ok());
  auto restored = RocksStore::OpenReadOnly(dir_.path() + "/restored");
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(Content((*restored)->live()), at_second);
}

// Every upload failure point: the snapshot is never complete, so it is never
// listed and never moves the trim point.
TEST_F(SnapshotTest, AFailedUploadIsNeverASnapshotAndNeverTrims) {
  Write(5);
  int puts = 0;
  {
    auto counting = std::make_unique<FailingStore>(Backup(), 1 << 30);
    auto m = TakeSnapshot(*store_, *counting, dir_.path() + "/tmp", "count");
    ASSERT_TRUE(m.ok());
    puts = static_cast<int>(m->files.size()) + 2;  // the claim, the files, the manifest
  }
  for (int ok = 0; ok < puts; ++ok) {
    std::filesystem::remove_all(dir_.path() + "/backup");
    FailingStore failing(Backup(), ok);
    auto m = TakeSnapshot(*store_, failing, dir_.path() + "/tmp", "r1");
    EXPECT_FALSE(m.ok()) << "fails after " << ok << " uploads";
    auto snaps = ListSnapshots(*Backup());
    ASSERT_TRUE(snaps.ok());
    EXPECT_TRUE(snaps->empty()) << "fails after " << ok << " uploads";
    LogTail tail{{1000, 0}, {1004, 0}, 5, 5};
    Position latest = snaps->empty() ? Position{} : snaps->back().position;
    EXPECT_FALSE(TrimPoint(tail, latest, {}, TrimPolicy{}));
  }
}

// Replicas share a backup directory: one lists it while others put and
// delete snapshots in it. A file or directory that goes away mid-listing is
// left out; the listing neither fails nor throws (a replica starting while
// old snapshots were pruned died of that).
TEST(DirStoreTest, ListingWhileFilesComeAndGo) {
  testing::TempDir dir;
  auto url = "dir://" + dir.path() + "/backup";
  auto lister = std::move(OpenBackupStore(url, S3Options{})).value();
  auto writer = std::move(OpenBackupStore(url, S3Options{})).value();
  ASSERT_TRUE(writer->PutBytes("snapshots/keep", "k").ok());
  std::atomic<bool> done{false};
  std::thread churn([&] {
    for (int i = 0; i < 400; ++i) {
      std::string d = "snapshots/s" + std::to_string(i % 4) + "/";
      for (int f = 0; f < 8; ++f) (void)writer->PutBytes(d + std::to_string(f), "x");
      for (int f = 0; f < 8; ++f) (void)writer->Delete(d + std::to_string(f));
      std::error_code ec;
      std::filesystem::remove(dir.path() + "/backup/" + d, ec);
    }
    done = true;
  });
  int listings = 0;
  while (!done) {
    auto l = lister->List("snapshots/");
    if (!l.ok()) {
      ADD_FAILURE() << l.status().message();
      break;
    }
    bool kept = false;
    for (const auto& o : *l) {
      EXPECT_EQ(o.key.find(".tmp"), std::string::npos) << o.key;
      kept = kept || o.key == "snapshots/keep";
    }
    EXPECT_TRUE(kept);
    ++listings;
  }
  churn.join();
  EXPECT_GT(listings, 0);
}

TEST(TrimPointTest, OnlyBelowTheSnapshotTheSlowestReplicaAndTheLastEntry) {
  LogTail tail{{100, 0}, {200, 0}, 50, 50};
  TrimPolicy p;
  EXPECT_FALSE(TrimPoint(tail, {}, {}, p));                                  // no snapshot
  EXPECT_EQ(*TrimPoint(tail, {150, 0}, {{200, 0}}, p), (Position{150, 1}));  // keeps > 150
  EXPECT_EQ(*TrimPoint(tail, {150, 0}, {{120, 3}, {200, 0}}, p),
            (Position{120, 4}));                                             // slow replica
  EXPECT_EQ(*TrimPoint(tail, {200, 0}, {{200, 0}}, p), (Position{200, 0}));  // never the last entry
  EXPECT_FALSE(TrimPoint(tail, {150, 0}, {{90, 0}}, p));                    // replica below the log
  p.log_entries_max = 10;                                                   // over the bound:
  EXPECT_EQ(*TrimPoint(tail, {150, 0}, {{90, 0}}, p), (Position{150, 1}));  // the snapshot wins
  EXPECT_FALSE(TrimPoint(LogTail{}, {150, 0}, {}, p));                      // empty log
}

TEST(ManifestTest, RoundTripsAndRejectsBadManifests) {
  SnapshotManifest m;
  m.position = {1795550864337, 2};
  m.id = SnapshotId(m.position) + "-r1";
  m.digest = "ab";
  m.entries = 7;
  m.files = {{"CURRENT", 16, 0x1234, "snapshots/" + m.id + "/CURRENT"},
             {"000010.sst", 900, 0xffffffffffffffffull,
              "snapshots/shared/ffffffffffffffff-900-000010.sst"}};
  auto back = ManifestFromJson(ManifestToJson(m));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->files[1].xxh64, 0xffffffffffffffffull);
  EXPECT_EQ(back->files[1].key, m.files[1].key);
  EXPECT_EQ(back->id, m.id);
  EXPECT_FALSE(ManifestFromJson("{}").ok());
  EXPECT_FALSE(ManifestFromJson("not json").ok());
  // A format-1 manifest (every file under the snapshot's id) is still read.
  nlohmann::json v1 = nlohmann::json::parse(ManifestToJson(m));
  v1["format"] = 1;
  for (auto& f : v1["files"]) f.erase("key");
  auto old = ManifestFromJson(v1.dump());
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->files[1].key, "snapshots/" + m.id + "/000010.sst");
  // Keys outside the snapshot's files and the shared area are refused.
  auto escape = m;
  escape.files[1].key = "elsewhere/000010.sst";
  EXPECT_FALSE(ManifestFromJson(ManifestToJson(escape)).ok());
  m.files[0].name = "../escape";
  EXPECT_FALSE(ManifestFromJson(ManifestToJson(m)).ok());
}

}  // namespace
}  // namespace walfs
