// RocksStore: the replica's store in RocksDB.
//
// Owns the DB. The applier is its only writer: Commit() writes one
// Overlay (mutations + applied position + digest) as one atomic WriteBatch
// (design rule 6). Readers take a Snapshot(): a consistent view at one
// applied position that stays valid while it is held.
// Thread-safety: Commit from one thread at a time; Snapshot and live() from
// any thread.
#pragma once

#include <memory>
#include <string>

#include "runtime/mutex.h"
#include "schema/store_view.h"
#include "sm/overlay.h"
#include "store/store.h"

namespace rocksdb {
class DB;
class Status;
class WriteBatch;
}  // namespace rocksdb

namespace walfs {

class RocksStore final : public Store {
 public:
  static Result<std::unique_ptr<RocksStore>> Open(const std::string& dir);
  // Opens a store (a checkpoint, a restored snapshot) without writing to it.
  static Result<std::unique_ptr<RocksStore>> OpenReadOnly(const std::string& dir);
  ~RocksStore();

  // The live DB (latest committed state).
  const StoreReader& live() const override { return *live_; }
  // A consistent read view; releases its RocksDB snapshot when dropped.
  std::shared_ptr<const StoreReader> Snapshot() const override;
  Status Commit(const Overlay& batch) override;
  // After a failed write (disk full, I/O error) RocksDB refuses writes until
  // told to recover: retries the failed work; ok once the store takes
  // writes again.
  Status Resume() override;
  // Free bytes on the file system that holds the store.
  Result<uint64_t> FreeBytes() const override;
  // A consistent copy of the store in dir (which must not exist): hard
  // links where it can. Runs beside the applier; it sees some committed batch.
  Status Checkpoint(const std::string& dir);

 private:
  RocksStore() = default;
  static Result<std::unique_ptr<RocksStore>> Wrap(const rocksdb::Status& opened, rocksdb::DB* raw);
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<StoreReader> live_;
  // Reused by each Commit: a batch of staged chunks is megabytes, and a
  // fresh one grew, and faulted in new pages, copy by copy.
  Mutex commit_mu_;
  std::unique_ptr<rocksdb::WriteBatch> batch_ GUARDED_BY(commit_mu_);
};

}  // namespace walfs
