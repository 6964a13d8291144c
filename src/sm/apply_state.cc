// The replica's apply state as the store records it: applied position,
// digest and its format, entry count, usage totals; and a new store's meta.
#include "sm/state_machine.h"

#include "core/bytes.h"
#include "schema/fs_view.h"
#include "schema/schema.h"

namespace walfs {

Result<Position> LoadAppliedPosition(const StoreReader& r) {
  auto a = r.Get(keys::Meta(keys::kApplied));
  if (!a.ok()) return a.status();
  if (!a->has_value()) return Position{};
  auto p = Position::Decode(**a);
  if (!p) return CorruptRecord("applied position");
  return *p;
}

Result<ApplyState> LoadApplyState(const StoreReader& r) {
  ApplyState s;
  s.digest.assign(16, '\0');
  auto a = r.Get(keys::Meta(keys::kApplied));
  if (!a.ok()) return a.status();
  if (a->has_value()) {
    auto p = Position::Decode(**a);
    if (!p) return CorruptRecord("applied position");
    s.applied = *p;
  }
  auto d = r.Get(keys::Meta(keys::kDigest));
  if (!d.ok()) return d.status();
  if (d->has_value()) {
    if ((*d)->size() != 16) return CorruptRecord("digest");
    s.digest = **d;
  }
  auto n = r.Get(keys::Meta(keys::kEntries));
  if (!n.ok()) return n.status();
  if (n->has_value()) {
    auto v = DecodeU64(**n);
    if (!v) return CorruptRecord("entry count");
    s.entries = *v;
  }
  auto b = r.Get(keys::Meta(keys::kLogBytes));
  if (!b.ok()) return b.status();
  if (b->has_value()) {
    auto v = DecodeU64(**b);
    if (!v) return CorruptRecord("log bytes");
    s.log_bytes = *v;
  }
  auto f = r.Get(keys::Meta(keys::kDigestFormat));
  if (!f.ok()) return f.status();
  if (f->has_value()) {
    auto v = DecodeU64(**f);
    if (!v || *v < 1 || *v > kDigestFormatLatest) return CorruptRecord("digest format");
    s.digest_format = static_cast<uint8_t>(*v);
  }
  return s;
}

Result<Usage> LoadUsage(const StoreReader& r) {
  Usage u;
  for (auto [name, field] :
       {std::pair{keys::kFiles, &u.files}, std::pair{keys::kBytes, &u.bytes},
        std::pair{keys::kUploads, &u.uploads}, std::pair{keys::kStagedBytes, &u.staged_bytes}}) {
    auto v = r.Get(keys::Meta(name));
    if (!v.ok()) return v.status();
    if (!v->has_value()) continue;
    auto n = DecodeU64(**v);
    if (!n) return CorruptRecord(std::string(name));
    *field = *n;
  }
  return u;
}

Status InitStore(const StoreReader& r, Overlay* batch, uint32_t block_bytes) {
  auto f = r.Get(keys::Meta(keys::kFormat));
  if (!f.ok()) return f.status();
  if (f->has_value()) {
    auto v = DecodeU64(**f);
    if (!v) return CorruptRecord("store format");
    if (*v > kStoreFormatVersion) {
      return Status(Code::kUnsupported, "store format " + std::to_string(*v) +
                                            " is newer than this binary understands");
    }
    // A store made before change events: they start where it is now.
    auto from = r.Get(keys::Meta(keys::kEventsFrom));
    if (!from.ok()) return from.status();
    if (!from->has_value()) {
      auto applied = r.Get(keys::Meta(keys::kApplied));
      if (!applied.ok()) return applied.status();
      batch->Put(keys::Meta(keys::kEventsFrom),
                 applied->has_value() ? **applied : Position{}.Encode());
    }
    return Status::Ok();
  }
  batch->Put(keys::Meta(keys::kEventsFrom), Position{}.Encode());
  batch->Put(keys::Meta(keys::kFormat), EncodeU64(kStoreFormatVersion));
  batch->Put(keys::Meta(keys::kBlockBytes), EncodeU64(block_bytes));
  batch->Put(keys::Meta(keys::kNextInode), EncodeU64(kRootInode + 1));
  batch->Put(keys::Inode(kRootInode), EncodeInode(NewInode(NodeType::kDir, {}, 0)));
  return Status::Ok();
}

}  // namespace walfs
