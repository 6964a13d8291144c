// LogRecord: one entry as the log delivers it.
// Thread-safety: value.
#pragma once

#include <string>

#include "core/position.h"

namespace walfs {

struct LogRecord {
  Position pos;
  // The position of the entry before it, recorded by the log atomically
  // with the append (design rule 8); "0-0" for the first entry.
  Position prev;
  std::string payload;  // an encoded Entry
};

}  // namespace walfs
