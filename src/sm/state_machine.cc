// Applying entries: one entry (decode, idempotency, conditions and ops, all
// through one overlay) and a batch (predecessor checks, digest, the new
// applied position).
#include "sm/state_machine.h"

#include <algorithm>

#include "codec/entry.h"
#include "schema/fs_view.h"
#include "schema/schema.h"
#include "sm/digest.h"
#include "sm/idempotency.h"
#include "sm/tx_applier.h"
#include "sm/uploads.h"

namespace walfs {
namespace {

Result<Outcome> ApplyDecoded(Overlay* ov, uint32_t bs, Position pos, uint64_t now_ms,
                             const DecodedEntry& d, uint8_t format) {
  const Entry& e = d.entry;
  if (!e.idempotency_key.empty()) {
    auto rec = LookupIdempotency(*ov, e.idempotency_key);
    if (!rec.ok()) return rec.status();
    if (rec->has_value()) {
      const std::string& fp = (*rec)->fingerprint;
      std::optional<Outcome> first = std::move((*rec)->first);
      if (fp != d.fingerprint) {
        Outcome o;
        o.code = OutcomeCode::kIdempotencyKeyReused;
        o.message = "idempotency key was used for a different request";
        o.position = pos;
        return o;
      }
      first->duplicate = true;
      return *first;
    }
  }
  auto o = ApplyOps(ov, bs, pos, now_ms, e, d.version);
  if (!o.ok()) return o;
  if (!e.idempotency_key.empty()) {
    ov->Put(keys::Idem(e.idempotency_key), EncodeIdem(d.fingerprint, now_ms, *o, format));
    ov->Put(keys::IdemTime(now_ms, e.idempotency_key), "");
    auto oldest = ov->Get(keys::Meta(keys::kIdemOldest));
    if (!oldest.ok()) return oldest.status();
    if (!oldest->has_value()) ov->Put(keys::Meta(keys::kIdemOldest), EncodeU64(now_ms));
  }
  return o;
}
}  // namespace

Result<Outcome> ApplyEntry(Overlay* batch, uint32_t bs, Position pos, std::string_view payload,
                           uint8_t* digest_format) {
  return ApplyEntry(batch, bs, pos, pos.ms, payload, digest_format);
}

Result<Outcome> ApplyEntry(Overlay* batch, uint32_t bs, Position pos, uint64_t now_ms,
                           std::string_view payload, uint8_t* digest_format) {
  // Everything this entry does goes through its own overlay, so a replica
  // failure half way leaves the batch exactly as before the entry.
  Overlay ov(batch);
  WALFS_RETURN_IF_ERROR(PruneIdempotency(&ov, now_ms));
  WALFS_RETURN_IF_ERROR(ExpireUploads(&ov, now_ms));
  auto d = DecodeEntry(payload, kMaxEntryDataBytes);
  Result<Outcome> o = Outcome{};
  if (d.ok()) {
    // The first entry of format 2 moves the store to digest format 2, at the
    // same position on every replica, for good.
    if (d->version >= 2) *digest_format = std::max<uint8_t>(*digest_format, 2);
    o = ApplyDecoded(&ov, bs, pos, now_ms, *d, *digest_format);
  } else if (d.status().code() == Code::kUnsupported) {
    return d.status();
  } else {
    Outcome rejected;
    rejected.code = OutcomeCode::kRejected;
    rejected.message = d.status().message();
    rejected.position = pos;
    o = rejected;
  }
  if (o.ok()) ov.MergeInto(batch);
  return o;
}

BatchResult ApplyBatch(const ApplyState& start, Overlay* batch, uint32_t bs,
                       std::span<const LogRecord> records) {
  BatchResult out;
  out.state = start;
  for (const auto& rec : records) {
    // Delivered again (a faulty log, a retried read): already applied, and
    // positions are unique, so it is skipped. A different entry at an old
    // position (a fork) shows at the next new entry, whose predecessor is
    // then not the applied position.
    if (rec.pos <= out.state.applied) continue;
    if (rec.prev != out.state.applied) {
      out.stop = Status(
          Code::kCorruption,
          "log broken: entry " + rec.pos.ToString() + " follows " + rec.prev.ToString() +
              " but this replica applied " + out.state.applied.ToString() +
              " (entries lost, a fork, a different log, or the log trimmed past this replica: "
              "restarted with --backup it restores a snapshot; on a NATS log with replicas, "
              "restarted it goes back to the log's history if it applied an entry the log did "
              "not keep)");
      break;
    }
    uint8_t format = out.state.digest_format;
    auto o = ApplyEntry(batch, bs, rec.pos, rec.LogTime(), rec.payload, &format);
    if (!o.ok()) {
      out.stop = o.status();
      break;
    }
    out.state.digest_format = format;
    out.state.digest = ChainDigest(out.state.digest, rec.pos, rec.payload, *o, format);
    out.state.applied = rec.pos;
    ++out.state.entries;
    out.state.log_bytes += rec.payload.size();
    out.outcomes.emplace_back(rec.pos, std::move(o).value());
  }
  if (out.state.applied != start.applied) {
    batch->Put(keys::Meta(keys::kApplied), out.state.applied.Encode());
    batch->Put(keys::Meta(keys::kDigest), out.state.digest);
    batch->Put(keys::Meta(keys::kEntries), EncodeU64(out.state.entries));
    batch->Put(keys::Meta(keys::kLogBytes), EncodeU64(out.state.log_bytes));
    if (out.state.digest_format != start.digest_format) {
      batch->Put(keys::Meta(keys::kDigestFormat), EncodeU64(out.state.digest_format));
    }
  }
  return out;
}

}  // namespace walfs
