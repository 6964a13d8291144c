// LogRecord: one entry as the log delivers it.
// Thread-safety: value.
#pragma once

#include <cstdint>
#include <string>

#include "core/position.h"

namespace walfs {

struct LogRecord {
  Position pos;
  // The position of the entry before it, recorded by the log atomically
  // with the append (design rule 8); "0-0" for the first entry.
  Position prev;
  std::string payload;  // an encoded Entry
  // The entry's log time (ms since the epoch), the same on every replica:
  // 0 where the position is itself the time (Redis stream ids, the local
  // log); the message's timestamp on a JetStream stream, whose positions
  // are sequence numbers.
  uint64_t time_ms = 0;
  uint64_t LogTime() const { return time_ms != 0 ? time_ms : pos.ms; }
};

}  // namespace walfs
