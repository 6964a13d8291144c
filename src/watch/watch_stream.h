// WatchStream: the body of GET /v1/watch, Server-Sent Events of the
// changes under a path after a cursor (api-v1.md, "Watching").
//
// Pulls from the store's change-event journal (journal.h), never from a
// queue: each Next() reads a snapshot from the cursor on and renders at
// most one chunk of matching events, so a watcher holds one chunk at most
// however far behind it is. Caught up, it waits for the next applied
// entry (a comment line every keepalive so that proxies and the client
// see a live stream). It ends with a final event:
//   event: lagging  not caught up for lag_ms_max (a client that reads too
//                   slowly): data.resume_from is where to resume
//   event: gone     the events after the cursor were pruned (the log was
//                   trimmed past it): a resume from there answers 410
//   event: error    the replica's applier stopped
// Thread-safety: one session's coroutine.
#pragma once

#include <chrono>
#include <string>

#include "http/live_body.h"
#include "node/node_port.h"
#include "watch/journal.h"

namespace walfs {

struct WatchLimits {
  size_t chunk_bytes = 64 << 10;  // rendered events per chunk, at most (about)
  size_t scan_per_chunk = 4096;   // journal records read per Next()
  uint32_t keepalive_ms = 15000;  // a comment line when nothing came for this long
  uint64_t lag_ms_max = 30000;    // not caught up for this long: disconnected
};

class WatchStream final : public LiveBody {
 public:
  // volume: the node's (event ids carry it, as positions do).
  WatchStream(NodePort* node, std::string volume, std::string path, bool recursive,
              EventCursor after, WatchLimits limits);
  boost::asio::awaitable<std::optional<std::string>> Next() override;

 private:
  std::string Id(const EventCursor& c) const;
  std::string Render(const JournalEvent& e) const;
  // The final event: `kind` with data {"error": kind, "message", ...}.
  std::optional<std::string> End(const std::string& kind, const std::string& message);

  NodePort* node_;
  std::string volume_, path_;
  bool recursive_;
  EventCursor cursor_;
  WatchLimits limits_;
  bool ended_ = false;
  bool behind_ = false;  // the last read stopped before the journal's end
  std::chrono::steady_clock::time_point caught_up_;
};

}  // namespace walfs
