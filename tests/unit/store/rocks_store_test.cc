// RocksStore: a scan stops at the end of its prefix, not at the next live
// key after it (a read of a file whose blocks are gone walked every deleted
// key after its prefix: docs/performance.md).
#include "store/rocks_store.h"

#include <gtest/gtest.h>
#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>

#include "sm/overlay.h"
#include "support/process.h"

namespace walfs {
namespace {

TEST(RocksStoreTest, AScanDoesNotWalkTheDeletedKeysAfterItsPrefix) {
  testing::TempDir dir;
  auto store = std::move(RocksStore::Open(dir.path() + "/store")).value();
  Overlay put(&store->live());
  put.Put("a/1", "one");
  put.Put("a/2", "two");
  for (int i = 0; i < 5000; ++i) put.Put("a0/" + std::to_string(i), "x");  // after "a/"'s keys
  put.Put("b", "live");
  ASSERT_TRUE(store->Commit(put).ok());
  Overlay del(&store->live());
  for (int i = 0; i < 5000; ++i) del.Delete("a0/" + std::to_string(i));
  ASSERT_TRUE(store->Commit(del).ok());

  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  std::vector<std::string> keys;
  ASSERT_TRUE(store->live()
                  .Scan("a/", "",
                        [&](std::string_view k, std::string_view) {
                          keys.emplace_back(k);
                          return true;
                        })
                  .ok());
  uint64_t skipped = rocksdb::get_perf_context()->internal_delete_skipped_count;
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  EXPECT_EQ(keys, (std::vector<std::string>{"a/1", "a/2"}));
  EXPECT_LT(skipped, 10u);  // unbounded: 5,000
}

}  // namespace
}  // namespace walfs
