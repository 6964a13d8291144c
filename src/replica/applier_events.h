// ApplierEvents: what the applier reports as it goes (Metrics turns them
// into Prometheus series; the simulation counts them). Defaults do nothing.
// Thread-safety: called from the applier's thread.
#pragma once

#include <cstddef>

namespace walfs {

class ApplierEvents {
 public:
  virtual ~ApplierEvents() = default;
  virtual void ApplierPaused(bool paused) {}
  virtual void ApplierLogError() {}
  virtual void BatchApplied(size_t entries, double seconds) {}
};

}  // namespace walfs
