// Idempotency records: the first outcome of each write with a key, and
// their pruning by log time.
#include "sm/idempotency.h"

#include "core/bytes.h"
#include "schema/fs_view.h"
#include "schema/schema.h"

namespace walfs {
namespace {
constexpr size_t kIdemPrunePerEntry = 64;
}  // namespace

// Deletes up to kIdemPrunePerEntry idempotency records older than the
// retention window. The log time of the oldest record is kept in meta, so
// that the common case (nothing has expired) costs one Get, not a scan.
Status PruneIdempotency(Overlay* batch, uint64_t now_ms) {
  if (now_ms < kIdempotencyRetentionMs) return Status::Ok();
  uint64_t cutoff = now_ms - kIdempotencyRetentionMs;
  auto oldest = batch->Get(keys::Meta(keys::kIdemOldest));
  if (!oldest.ok()) return oldest.status();
  if (!oldest->has_value()) return Status::Ok();  // no records
  auto oldest_ms = DecodeU64(**oldest);
  if (!oldest_ms) return CorruptRecord("oldest idempotency record");
  if (*oldest_ms >= cutoff) return Status::Ok();
  std::vector<std::string> doomed;
  std::optional<uint64_t> next_oldest;
  std::string prefix(keys::kIdemTimePrefix);
  WALFS_RETURN_IF_ERROR(batch->Scan(prefix, prefix, [&](std::string_view k, std::string_view) {
    if (k.size() < 9) return false;
    uint64_t ms = 0;
    for (size_t i = 1; i < 9; ++i) ms = (ms << 8) | uint8_t(k[i]);
    if (ms >= cutoff || doomed.size() >= kIdemPrunePerEntry) {
      next_oldest = ms;
      return false;
    }
    doomed.emplace_back(k);
    return true;
  }));
  for (auto& k : doomed) {
    batch->Delete(keys::Idem(std::string_view(k).substr(9)));
    batch->Delete(std::move(k));
  }
  if (next_oldest) {
    batch->Put(keys::Meta(keys::kIdemOldest), EncodeU64(*next_oldest));
  } else {
    batch->Delete(keys::Meta(keys::kIdemOldest));
  }
  return Status::Ok();
}

// Idempotency record: bytes fingerprint, varint time_ms, rest = outcome.
// The outcome is in the store's digest format, so that a store still in
// format 1 keeps the records a binary of format 1 would write.
std::string EncodeIdem(std::string_view fp, uint64_t ms, const Outcome& o, uint8_t format) {
  std::string v;
  PutBytes(&v, fp);
  PutVarint(&v, ms);
  v.append(EncodeOutcome(o, format));
  return v;
}

Result<std::optional<IdempotencyRecord>> LookupIdempotency(const StoreReader& store,
                                                           std::string_view key) {
  auto rec = store.Get(keys::Idem(key));
  if (!rec.ok()) return rec.status();
  if (!rec->has_value()) return std::optional<IdempotencyRecord>();
  Reader r(**rec);
  IdempotencyRecord out;
  out.fingerprint = std::string(r.Bytes(64));
  r.Varint();
  auto first = DecodeOutcome(r.Raw(r.remaining()));
  if (!r.ok() || !first) return CorruptRecord("idempotency record");
  out.first = std::move(*first);
  return std::optional<IdempotencyRecord>(std::move(out));
}

}  // namespace walfs
