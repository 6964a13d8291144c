// Store: what the applier writes to and what readers read from.
//
// RocksStore is the real one; the simulation uses an in-memory store with
// faults (a commit that fails, a disk that fills). The applier is the only
// writer: Commit() writes one Overlay (mutations + applied position +
// digest) atomically (design rule 6).
// Thread-safety: Commit, Resume from one thread at a time; the rest from any.
#pragma once

#include <cstdint>
#include <memory>

#include "schema/store_view.h"
#include "sm/overlay.h"

namespace walfs {

class Store {
 public:
  virtual ~Store() = default;
  // The latest committed state.
  virtual const StoreReader& live() const = 0;
  // A consistent read view that stays valid while it is held.
  virtual std::shared_ptr<const StoreReader> Snapshot() const = 0;
  // All of batch, or (on an error) none of it.
  virtual Status Commit(const Overlay& batch) = 0;
  // After a failed write, asks the store to take writes again; ok once it does.
  virtual Status Resume() = 0;
  // Free bytes where the store keeps its data.
  virtual Result<uint64_t> FreeBytes() const = 0;
};

}  // namespace walfs
