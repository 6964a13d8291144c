#include "watch/watch_stream.h"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "http/util.h"
#include "http/waits.h"
#include "sm/state_machine.h"
#include "volume/volume_map.h"

namespace walfs {
namespace asio = boost::asio;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

WatchStream::WatchStream(NodePort* node, std::string volume, std::string path, bool recursive,
                         EventCursor after, WatchLimits limits)
    : node_(node),
      volume_(std::move(volume)),
      path_(std::move(path)),
      recursive_(recursive),
      cursor_(after),
      limits_(limits),
      caught_up_(Steady::now()) {}

std::string WatchStream::Id(const EventCursor& c) const {
  std::string id = FormatVolumePosition(volume_, c.pos);
  if (c.index) id += "." + std::to_string(*c.index);
  return id;
}

std::string WatchStream::Render(const JournalEvent& je) const {
  const ChangeEvent& e = je.event;
  std::string position = FormatVolumePosition(volume_, je.pos);
  json d = {{"position", position}, {"op", e.op}, {"path", e.path}};
  if (!e.to.empty()) d["to"] = e.to;
  if (e.size) d["size"] = *e.size;
  if (e.offset) d["offset"] = *e.offset;
  if (e.length) d["length"] = *e.length;
  d["mtime"] = FormatIsoTime(e.mtime_ms);
  std::string id = position;
  if (e.in_transaction) {
    d["index"] = e.index;
    id += "." + std::to_string(e.index);
  }
  return "id: " + id + "\ndata: " + d.dump() + "\n\n";
}

std::optional<std::string> WatchStream::End(const std::string& kind, const std::string& message) {
  ended_ = true;
  json d = {{"error", kind}, {"message", message}};
  if (kind != "gone") d["resume_from"] = Id(cursor_);
  return "event: " + kind + "\ndata: " + d.dump() + "\n\n";
}

asio::awaitable<std::optional<std::string>> WatchStream::Next() {
  if (ended_) co_return std::nullopt;
  for (;;) {
    // Behind since the last time it was caught up for too long: ended
    // here, before reading on, so that resume_from is just after what the
    // session has sent.
    if (behind_ && Steady::now() - caught_up_ > std::chrono::milliseconds(limits_.lag_ms_max)) {
      co_return End("lagging", "this watch has not caught up for " +
                                   std::to_string(limits_.lag_ms_max) +
                                   " ms (it reads too slowly): resume from resume_from");
    }
    auto snap = node_->ReadSnapshot();
    auto from = EventsFrom(*snap);
    auto state = LoadAppliedPosition(*snap);
    if (!from.ok() || !state.ok()) {
      co_return End("error", (from.ok() ? state.status() : from.status()).message());
    }
    if (cursor_.pos < *from) {
      co_return End("gone", "the events after " + Id(cursor_) +
                                " are no longer kept (the log was trimmed past them); this "
                                "replica keeps those after " +
                                FormatVolumePosition(volume_, *from));
    }
    std::string out;
    size_t scanned = 0;
    EventCursor next;
    Status st = ScanEvents(
        *snap, cursor_, limits_.scan_per_chunk,
        [&](const JournalEvent& je) {
          ++scanned;
          if (EventConcerns(je.event, path_, recursive_)) out += Render(je);
          return out.size() < limits_.chunk_bytes;
        },
        &next);
    if (!st.ok()) co_return End("error", st.message());
    cursor_ = next;
    bool at_end = scanned < limits_.scan_per_chunk && out.size() < limits_.chunk_bytes;
    behind_ = !at_end;
    if (at_end) caught_up_ = Steady::now();
    if (!out.empty()) co_return out;
    if (!at_end) {
      // Records of other paths only: read on, letting other work run.
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
      continue;
    }
    // Caught up: wait for the next applied entry, or say we are alive.
    Position applied = *state;
    bool moved =
        co_await WaitApplied(*node_, Position{applied.ms, applied.seq + 1}, limits_.keepalive_ms);
    if (!moved) {
      if (Status stopped = node_->stopped(); !stopped.ok()) {
        co_return End("error", "this replica stopped applying: " + stopped.message());
      }
      co_return std::string(":\n\n");
    }
  }
}

}  // namespace walfs
