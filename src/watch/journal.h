// The change-event journal of a store (sm/change_event.h): reading events
// after an event id, and pruning those of entries the log no longer holds.
// Event ids (rendered by watch_stream.h, parsed by http/request.cc):
// "<position>" for an entry of one op, "<position>.<index>" for each op of
// a transaction (api.md, "Watching").
// Thread-safety: functions of a StoreReader (a snapshot or the live store).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "schema/store_view.h"
#include "sm/change_event.h"
#include "sm/overlay.h"

namespace walfs {

// Where a watcher is: after every event of `pos` (index unset), or after
// the op `index` of pos.
struct EventCursor {
  Position pos;
  std::optional<uint32_t> index;
  bool operator==(const EventCursor&) const = default;
};

struct JournalEvent {
  Position pos;
  ChangeEvent event;
  EventCursor Cursor() const { return EventCursor{pos, event.index}; }
};

// Whether e concerns a watch of path: e's path or (a rename's) target is
// path or one of its direct children, or anywhere beneath it if recursive.
bool EventConcerns(const ChangeEvent& e, const std::string& path, bool recursive);

// The position after which the store holds every event.
Result<Position> EventsFrom(const StoreReader& r);

// Visits the events after `after`, in order, until fn returns false or
// `max_scanned` records were read (matching or not). Sets *next to where
// the next call resumes (the last record read).
Status ScanEvents(const StoreReader& r, const EventCursor& after, size_t max_scanned,
                  const std::function<bool(const JournalEvent&)>& fn, EventCursor* next);

// Deletes up to max events of entries at or below `below` and moves
// events_from to it (never back), in batch. Returns how many it deleted.
Result<size_t> PruneEvents(const StoreReader& r, Position below, size_t max, Overlay* batch);

}  // namespace walfs
