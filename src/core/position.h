// Position: the log's own identifier of an entry.
//
// Every log backend walfs has assigns time-ordered ids of the form
// "<ms>-<seq>" (Redis stream ids; the embedded local log copies the scheme),
// so a position is a pair of integers, ordered lexicographically, and its
// first half is the entry's log time in milliseconds since the epoch. That
// log time is the only clock the state machine ever sees (design rule 2).
// "0-0" is the position before the first entry. Clients treat positions as
// opaque strings; only the server compares them.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace walfs {

struct Position {
  uint64_t ms = 0;
  uint64_t seq = 0;

  auto operator<=>(const Position&) const = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
  std::string ToString() const;
  // Parses "<ms>-<seq>" (or "<ms>", seq 0). nullopt on anything else.
  static std::optional<Position> Parse(std::string_view s);
  // 16 bytes, big-endian, so that byte order equals position order.
  std::string Encode() const;
  static std::optional<Position> Decode(std::string_view bytes);
};

// How far (in log time) a replica at `applied` is behind the log's last
// entry. A replica that has applied nothing is measured from the log's
// first entry (log_first; without it, not at all): from position 0-0, the
// epoch, it would read as decades.
inline uint64_t LagMs(Position applied, Position log_last, Position log_first = {}) {
  uint64_t from = applied.ms;
  if (applied.IsZero()) from = log_first.IsZero() ? log_last.ms : log_first.ms;
  return log_last.ms > from ? log_last.ms - from : 0;
}

}  // namespace walfs
