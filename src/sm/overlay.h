// Overlay: a set of pending puts and deletes on top of a parent reader.
//
// The state machine builds one Overlay per applied batch (committed as one
// atomic write) and one per entry on top of it, so that a transaction that
// fails half way is simply dropped (all or nothing). Reads see the pending
// mutations first. Mutations are kept in a sorted map, so iteration and the
// resulting write batch are deterministic.
// Thread-safety: none; owned by the applying thread.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "schema/store_view.h"

namespace walfs {

class Overlay final : public StoreReader {
 public:
  // REQUIRES: parent outlives this overlay. With cache_reads, values read
  // from the parent are remembered; REQUIRES then that nothing else changes
  // the parent while this overlay lives (the applier's batch overlay over
  // the store it alone writes).
  explicit Overlay(const StoreReader* parent, bool cache_reads = false)
      : parent_(parent), cache_reads_(cache_reads) {}

  void Put(std::string key, std::string value) { m_[std::move(key)] = std::move(value); }
  void Delete(std::string key) { m_[std::move(key)] = std::nullopt; }
  // Moves this overlay's mutations into `into` (which must be the parent).
  void MergeInto(Overlay* into);

  Result<std::optional<std::string>> Get(std::string_view key) const override;
  Status Scan(std::string_view prefix, std::string_view from, const ScanFn& fn) const override;

  // key -> value, or nullopt for a delete; sorted.
  const std::map<std::string, std::optional<std::string>, std::less<>>& mutations() const {
    return m_;
  }
  size_t size() const { return m_.size(); }

 private:
  const StoreReader* parent_;
  bool cache_reads_;
  std::map<std::string, std::optional<std::string>, std::less<>> m_;
  mutable std::map<std::string, std::optional<std::string>, std::less<>> read_cache_;
};

// A whole store in a sorted map: tests, the simulation, fuzzing.
class MemStore final : public StoreReader {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) const override;
  Status Scan(std::string_view prefix, std::string_view from, const ScanFn& fn) const override;
  void Apply(const Overlay& o);
  const std::map<std::string, std::string, std::less<>>& data() const { return m_; }

 private:
  std::map<std::string, std::string, std::less<>> m_;
};

}  // namespace walfs
