#include "watch/journal.h"

#include "core/bytes.h"
#include "core/path.h"
#include "schema/schema.h"

namespace walfs {
namespace {

constexpr size_t kKeyBytes = 1 + 16 + 4;  // prefix, position, index

// The first key after cursor c.
std::string FromKey(const EventCursor& c) {
  std::string k(keys::kEventPrefix);
  k += c.pos.Encode();
  if (c.index && *c.index < UINT32_MAX) {
    PutFixed32BE(&k, *c.index + 1);
  } else {
    k.append(5, '\xff');  // past every index of pos
  }
  return k;
}

}  // namespace

bool EventConcerns(const ChangeEvent& e, const std::string& path, bool recursive) {
  auto concerns = [&](const std::string& p) {
    if (p.empty()) return false;
    if (recursive) return IsSameOrBeneath(p, path);
    return p == path || (p != "/" && ParentPath(p) == path);
  };
  return concerns(e.path) || concerns(e.to);
}

Result<Position> EventsFrom(const StoreReader& r) {
  auto v = r.Get(keys::Meta(keys::kEventsFrom));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Position{};
  auto p = Position::Decode(**v);
  if (!p) return Status(Code::kCorruption, "corrupt events_from record");
  return *p;
}

Status ScanEvents(const StoreReader& r, const EventCursor& after, size_t max_scanned,
                  const std::function<bool(const JournalEvent&)>& fn, EventCursor* next) {
  *next = after;
  size_t scanned = 0;
  Status bad = Status::Ok();
  WALFS_RETURN_IF_ERROR(
      r.Scan(keys::kEventPrefix, FromKey(after), [&](std::string_view k, std::string_view v) {
        if (scanned >= max_scanned) return false;
        ++scanned;
        auto pos = k.size() == kKeyBytes ? Position::Decode(k.substr(1, 16)) : std::nullopt;
        auto ev = DecodeChangeEvent(v);
        if (!pos || !ev) {
          bad = Status(Code::kCorruption, "corrupt change event record");
          return false;
        }
        JournalEvent je{*pos, std::move(*ev)};
        *next = EventCursor{je.pos, je.event.index};
        return fn(je);
      }));
  return bad;
}

Result<size_t> PruneEvents(const StoreReader& r, Position below, size_t max, Overlay* batch) {
  auto from = EventsFrom(r);
  if (!from.ok()) return from.status();
  if (below <= *from) return size_t{0};
  std::string end = FromKey(EventCursor{below, std::nullopt});
  size_t deleted = 0;
  bool more = false;
  Position last;
  WALFS_RETURN_IF_ERROR(
      r.Scan(keys::kEventPrefix, keys::kEventPrefix, [&](std::string_view k, std::string_view) {
        if (k >= end) return false;
        if (deleted == max) {
          more = true;
          return false;
        }
        batch->Delete(std::string(k));
        if (auto p = Position::Decode(k.substr(1, 16))) last = *p;
        ++deleted;
        return true;
      }));
  // The store holds every event after the last position it deleted from
  // (a watcher from there skips that position's events anyway).
  Position now = more ? last : below;
  if (*from < now) batch->Put(keys::Meta(keys::kEventsFrom), now.Encode());
  return deleted;
}

}  // namespace walfs
