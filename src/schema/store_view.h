// StoreReader: the read interface the state machine and the read path see.
//
// Implemented by the RocksDB store (a snapshot, or the live DB for the
// applier), by an in-memory map (tests, simulation) and by Overlay (pending
// mutations on top of another reader). Errors are I/O failures of the
// replica itself, never outcomes.
// Thread-safety: per implementation; the state machine uses one reader from
// one thread.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace walfs {

class StoreReader {
 public:
  virtual ~StoreReader() = default;
  virtual Result<std::optional<std::string>> Get(std::string_view key) const = 0;
  // Visits keys that start with `prefix` and are >= `from` (from = prefix to
  // start at the beginning), in byte order, until fn returns false.
  using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;
  virtual Status Scan(std::string_view prefix, std::string_view from, const ScanFn& fn) const = 0;
};

}  // namespace walfs
