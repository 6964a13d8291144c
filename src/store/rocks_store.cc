#include "store/rocks_store.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <filesystem>

namespace walfs {
namespace {

Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return Status(Code::kCorruption, "store: " + s.ToString());
  return Status(Code::kIoError, "store: " + s.ToString());
}

class RocksReader final : public StoreReader {
 public:
  RocksReader(rocksdb::DB* db, const rocksdb::Snapshot* snap) : db_(db), snap_(snap) {}
  ~RocksReader() override {
    if (snap_ != nullptr) db_->ReleaseSnapshot(snap_);
  }

  Result<std::optional<std::string>> Get(std::string_view key) const override {
    std::string v;
    auto s = db_->Get(Options(), rocksdb::Slice(key.data(), key.size()), &v);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s);
    return std::optional<std::string>(std::move(v));
  }

  Status Scan(std::string_view prefix, std::string_view from, const ScanFn& fn) const override {
    // Bounded by the prefix: without a bound, a seek into a prefix with no
    // live key walks every deleted key after it (RocksDB's tombstones)
    // until the next live one. A file of extents only has no blocks, and
    // after its neighbours were rewritten a few times each 256 KiB read of
    // it walked the tombstones of every freed chunk (99.6 s for 256 MiB
    // against 0.31 s).
    rocksdb::ReadOptions o = Options();
    std::string upper = PrefixEnd(prefix);
    rocksdb::Slice bound(upper);
    if (!upper.empty()) o.iterate_upper_bound = &bound;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(o));
    for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
      auto k = it->key();
      std::string_view key(k.data(), k.size());
      if (key.substr(0, prefix.size()) != prefix) break;
      auto v = it->value();
      if (!fn(key, std::string_view(v.data(), v.size()))) break;
    }
    return FromRocks(it->status());
  }

 private:
  // The first key after every key that starts with prefix ("" if none:
  // an empty prefix, or one of 0xff bytes only).
  static std::string PrefixEnd(std::string_view prefix) {
    std::string s(prefix);
    while (!s.empty() && static_cast<uint8_t>(s.back()) == 0xff) s.pop_back();
    if (!s.empty()) s.back() = static_cast<char>(static_cast<uint8_t>(s.back()) + 1);
    return s;
  }
  rocksdb::ReadOptions Options() const {
    rocksdb::ReadOptions o;
    o.snapshot = snap_;
    return o;
  }
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap_;
};

}  // namespace

Result<std::unique_ptr<RocksStore>> RocksStore::Open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status(Code::kIoError, "cannot create " + dir + ": " + ec.message());
  rocksdb::Options opt;
  opt.create_if_missing = true;
  opt.max_background_jobs = 2;
  // Memtables bound the store's memory: every staged byte of a large write
  // passes through them, so 3 of 16 MiB (not RocksDB's 2 of 64 MiB) keep a
  // replica's RSS flat however large the file.
  opt.write_buffer_size = 16ull << 20;
  opt.max_write_buffer_number = 3;
  // Table files of 8 MiB at level 1, doubling at each level below: a
  // snapshot uploads the table files compaction wrote since the previous
  // one (snapshots share the rest), and after a small change compaction
  // rewrites a few small files rather than a few of RocksDB's 64 MiB ones
  // (make bench's snapshot_after_1pct: 0.042 of a full snapshot instead of
  // 0.051). Deeper levels keep files as large as before.
  opt.target_file_size_base = 8ull << 20;
  opt.target_file_size_multiplier = 2;
  // A bloom filter over each memtable's whole keys: a Get of a key that a
  // memtable does not hold (a read of a file written before the last
  // flush, while appends fill the memtable with other keys) skips that
  // memtable's skiplist search.
  opt.memtable_whole_key_filtering = true;
  opt.memtable_prefix_bloom_size_ratio = 0.02;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  opt.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(opt, dir, &raw);  // before Wrap reads raw
  return Wrap(s, raw);
}

Result<std::unique_ptr<RocksStore>> RocksStore::OpenReadOnly(const std::string& dir) {
  rocksdb::Options opt;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::OpenForReadOnly(opt, dir, &raw);  // before Wrap reads raw
  return Wrap(s, raw);
}

Result<std::unique_ptr<RocksStore>> RocksStore::Wrap(const rocksdb::Status& opened,
                                                     rocksdb::DB* raw) {
  if (!opened.ok()) return FromRocks(opened);
  std::unique_ptr<RocksStore> store(new RocksStore());
  store->db_.reset(raw);
  store->live_ = std::make_unique<RocksReader>(raw, nullptr);
  return store;
}

Status RocksStore::Checkpoint(const std::string& dir) {
  rocksdb::Checkpoint* cp = nullptr;
  auto s = rocksdb::Checkpoint::Create(db_.get(), &cp);
  if (!s.ok()) return FromRocks(s);
  std::unique_ptr<rocksdb::Checkpoint> owned(cp);
  return FromRocks(owned->CreateCheckpoint(dir));
}

RocksStore::~RocksStore() {
  live_.reset();
  if (db_) {
    auto s = db_->Close();
    (void)s;
  }
}

std::shared_ptr<const StoreReader> RocksStore::Snapshot() const {
  return std::make_shared<RocksReader>(db_.get(), db_->GetSnapshot());
}

Status RocksStore::Commit(const Overlay& batch) {
  MutexLock lock(&commit_mu_);
  // Kept between commits unless one was far larger than usual.
  if (!batch_ || batch_->GetDataSize() > (64u << 20)) {
    batch_ = std::make_unique<rocksdb::WriteBatch>();
  } else {
    batch_->Clear();
  }
  rocksdb::WriteBatch& wb = *batch_;
  for (const auto& [k, v] : batch.mutations()) {
    auto s = v ? wb.Put(k, *v) : wb.Delete(k);
    if (!s.ok()) return FromRocks(s);
  }
  // No fsync: the log is the source of truth. After a crash the store is at
  // some committed batch (WAL order) and the applier replays from there.
  rocksdb::WriteOptions wo;
  return FromRocks(db_->Write(wo, &wb));
}

Status RocksStore::Resume() { return FromRocks(db_->Resume()); }

Result<uint64_t> RocksStore::FreeBytes() const {
  struct statvfs v;
  if (::statvfs(db_->GetName().c_str(), &v) != 0) {
    return Status(Code::kIoError, "statvfs " + db_->GetName() + ": " + std::strerror(errno));
  }
  return static_cast<uint64_t>(v.f_bavail) * v.f_frsize;
}

}  // namespace walfs
