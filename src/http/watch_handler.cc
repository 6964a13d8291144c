// Api::Watch and Api::Follow: the live views (api-v1.md, "Watching"); the
// streams themselves are in src/watch.
#include "http/api.h"
#include "http/errors.h"
#include "http/message.h"
#include "sm/state_machine.h"
#include "volume/volume_map.h"
#include "watch/follow_stream.h"
#include "watch/journal.h"
#include "watch/watch_stream.h"

namespace walfs {

HttpResponse Api::Watch(const ParsedRequest& p) const {
  const WatchCommand& w = p.watch;
  auto snap = node_->ReadSnapshot();
  auto applied = LoadAppliedPosition(*snap);
  if (!applied.ok()) return Error(applied.status());
  EventCursor after{*applied, std::nullopt};  // from now
  if (w.after_volume) {
    if (*w.after_volume != volume()) {
      return Error(Code::kBadRequest, "the watch's position is of volume " + *w.after_volume +
                                          " but " + w.path + " is in " + volume());
    }
    after = EventCursor{w.after_pos, w.after_index};
    auto from = EventsFrom(*snap);
    if (!from.ok()) return Error(from.status());
    if (after.pos < *from) {
      return Error(Code::kGone, "the events after " + Pos(after.pos) +
                                    " are no longer kept (the log was trimmed past them); this "
                                    "replica has those after " +
                                    Pos(*from));
    }
  }
  const ServerOptions& o = node_->options();
  WatchLimits limits;
  limits.keepalive_ms = o.watch_keepalive_ms;
  limits.lag_ms_max = o.watch_lag_ms_max;
  HttpResponse r;
  r.headers.emplace_back("Content-Type", "text/event-stream");
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: pass events as they come
  r.headers.emplace_back("X-Walfs-Position", Pos(*applied));
  r.live = std::make_shared<WatchStream>(node_, volume(), w.path, w.recursive, after, limits);
  return r;
}

HttpResponse Api::Follow(const ReadCommand& c, const Node& n) const {
  uint64_t offset = c.offset.value_or(0);
  if (offset > n.inode.size) {
    return Error(Code::kInvalidRange, "offset " + std::to_string(offset) + " is past the end of " +
                                          c.path + " (" + std::to_string(n.inode.size) + " bytes)");
  }
  HttpResponse r;
  r.headers.emplace_back("Content-Type", "application/octet-stream");
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Accel-Buffering", "no");
  r.live = std::make_shared<FollowStream>(node_, c.path, n.ino, offset);
  return r;
}

}  // namespace walfs
