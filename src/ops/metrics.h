// Metrics: the replica's Prometheus metrics (prometheus-cpp), serialized in
// text format by GET /metrics. docs/operations.md says what each one means.
// Thread-safety: every method is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "replica/applier_events.h"
#include "runtime/mutex.h"
#include "sm/state_machine.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace walfs {

class Metrics final : public ApplierEvents {
 public:
  // registry: shared by the nodes of a replica's volumes (null: its own);
  // volume: the label every metric of this node carries ("": none, a
  // cluster of one volume). Serialize() gives the whole registry.
  explicit Metrics(std::shared_ptr<prometheus::Registry> registry = nullptr,
                   std::string volume = "");
  ~Metrics();

  // route: fs_read, fs_write, tx, healthz, readyz, metrics, cluster, admin, other;
  // method: GET, HEAD, PUT, POST, DELETE, or other.
  void ObserveRequest(std::string_view route, std::string_view method, int status);
  void ObserveWrite(bool ack_log, double seconds);
  void ObserveRead(double seconds);
  void ObserveApplyBatch(size_t entries, double seconds);
  void SetApplied(uint64_t entries, uint64_t lag_entries, uint64_t lag_ms);
  void SetStored(const Usage& u);
  void SetLogBytes(uint64_t bytes);
  void LogError(std::string_view who);  // applier, proposer, cluster
  void ObserveSnapshot(bool ok, double seconds, uint64_t bytes);
  void Trimmed(uint64_t entries);
  void SetDiverged(bool diverged);
  // The applier paused because the store cannot be written (disk full).
  void SetPaused(bool paused);

  // ApplierEvents.
  void ApplierPaused(bool paused) override { SetPaused(paused); }
  void ApplierLogError() override { LogError("applier"); }
  void BatchApplied(size_t entries, double seconds) override {
    ObserveApplyBatch(entries, seconds);
  }

  std::string Serialize() const;

 private:
  // labels, and this node's volume.
  std::map<std::string, std::string> L(std::map<std::string, std::string> labels) const;
  std::shared_ptr<prometheus::Registry> registry_;
  std::string volume_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Counter>* log_errors_;
  prometheus::Family<prometheus::Counter>* snapshots_;
  prometheus::Histogram* write_log_seconds_;
  prometheus::Histogram* write_applied_seconds_;
  prometheus::Histogram* read_seconds_;
  prometheus::Histogram* apply_batch_entries_;
  prometheus::Histogram* apply_batch_seconds_;
  prometheus::Histogram* snapshot_seconds_;
  prometheus::Gauge* snapshot_bytes_;
  prometheus::Counter* applied_entries_;
  prometheus::Gauge* lag_entries_;
  prometheus::Gauge* lag_ms_;
  prometheus::Gauge* files_;
  prometheus::Gauge* uploads_;
  prometheus::Gauge* log_bytes_;
  prometheus::Gauge* staged_bytes_;
  prometheus::Gauge* bytes_;
  prometheus::Counter* trimmed_;
  prometheus::Gauge* diverged_;
  prometheus::Gauge* paused_;
  Mutex applied_mu_;
  double applied_seen_ GUARDED_BY(applied_mu_) = 0;
  Mutex request_counters_mu_;
  std::unordered_map<std::string, prometheus::Counter*> request_counters_
      GUARDED_BY(request_counters_mu_);
};

}  // namespace walfs
