#include "ops/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace walfs {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

}  // namespace

std::map<std::string, std::string> Metrics::L(std::map<std::string, std::string> labels) const {
  if (!volume_.empty()) labels.emplace("volume", volume_);
  return labels;
}

Metrics::Metrics(std::shared_ptr<prometheus::Registry> registry, std::string volume)
    : registry_(registry ? std::move(registry) : std::make_shared<prometheus::Registry>()),
      volume_(std::move(volume)) {
  auto& r = *registry_;
  requests_ = &BuildCounter()
                   .Name("walfs_http_requests_total")
                   .Help("HTTP requests by route, method and status")
                   .Register(r);
  log_errors_ = &BuildCounter()
                     .Name("walfs_log_errors_total")
                     .Help("Failed calls to the log, by caller")
                     .Register(r);
  snapshots_ =
      &BuildCounter().Name("walfs_snapshots_total").Help("Snapshots taken, by result").Register(r);
  auto& writes = BuildHistogram()
                     .Name("walfs_write_seconds")
                     .Help("Write latency by acknowledgement")
                     .Register(r);
  write_log_seconds_ = &writes.Add(L({{"ack", "log"}}), LatencyBuckets());
  write_applied_seconds_ = &writes.Add(L({{"ack", "applied"}}), LatencyBuckets());
  read_seconds_ = &BuildHistogram()
                       .Name("walfs_read_seconds")
                       .Help("Read latency (to the first byte)")
                       .Register(r)
                       .Add(L({}), LatencyBuckets());
  apply_batch_entries_ =
      &BuildHistogram()
           .Name("walfs_apply_batch_entries")
           .Help("Entries per applied batch")
           .Register(r)
           .Add(L({}), Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024});
  apply_batch_seconds_ = &BuildHistogram()
                              .Name("walfs_apply_batch_seconds")
                              .Help("Time to apply and commit one batch")
                              .Register(r)
                              .Add(L({}), LatencyBuckets());
  snapshot_seconds_ =
      &BuildHistogram()
           .Name("walfs_snapshot_seconds")
           .Help("Time to take and upload one snapshot")
           .Register(r)
           .Add(L({}), Histogram::BucketBoundaries{0.1, 0.5, 1, 5, 10, 30, 60, 300, 900});
  snapshot_bytes_ = &BuildGauge()
                         .Name("walfs_snapshot_bytes")
                         .Help("Size of the last snapshot uploaded")
                         .Register(r)
                         .Add(L({}));
  applied_entries_ = &BuildCounter()
                          .Name("walfs_applied_entries_total")
                          .Help("Entries applied by this replica, ever (from its store)")
                          .Register(r)
                          .Add(L({}));
  lag_entries_ = &BuildGauge()
                      .Name("walfs_lag_entries")
                      .Help("Entries in the log not yet applied here")
                      .Register(r)
                      .Add(L({}));
  lag_ms_ = &BuildGauge()
                 .Name("walfs_lag_milliseconds")
                 .Help("Log time between the log's last entry and the applied one")
                 .Register(r)
                 .Add(L({}));
  files_ = &BuildGauge().Name("walfs_files").Help("Files stored").Register(r).Add(L({}));
  log_bytes_ = &BuildGauge()
                    .Name("walfs_log_bytes")
                    .Help(
                        "Bytes the log holds (Redis: the stream's memory as MEMORY USAGE "
                        "estimates it; the local log: its file)")
                    .Register(r)
                    .Add(L({}));
  uploads_ = &BuildGauge()
                  .Name("walfs_uploads_open")
                  .Help("Open uploads (writes of any size staged but not yet committed)")
                  .Register(r)
                  .Add(L({}));
  staged_bytes_ = &BuildGauge()
                       .Name("walfs_upload_staged_bytes")
                       .Help("Bytes staged by open uploads")
                       .Register(r)
                       .Add(L({}));
  bytes_ = &BuildGauge()
                .Name("walfs_bytes")
                .Help("Bytes stored (sum of file sizes)")
                .Register(r)
                .Add(L({}));
  trimmed_ = &BuildCounter()
                  .Name("walfs_trimmed_entries_total")
                  .Help("Log entries trimmed by this replica")
                  .Register(r)
                  .Add(L({}));
  diverged_ = &BuildGauge()
                   .Name("walfs_diverged")
                   .Help("1 if this replica's digest disagrees with its peers at the same position")
                   .Register(r)
                   .Add(L({}));
  paused_ = &BuildGauge()
                 .Name("walfs_applier_paused")
                 .Help(
                     "1 while the applier is paused because the store cannot be written (disk "
                     "below the reserve, a write failed)")
                 .Register(r)
                 .Add(L({}));
}

Metrics::~Metrics() = default;

void Metrics::ObserveRequest(std::string_view route, std::string_view method, int status) {
  // The method is the client's: label only the ones the API has, so that
  // clients cannot grow the label sets without bound.
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "PUT", "POST", "DELETE"};
  std::string_view m = "other";
  for (auto k : kMethods) {
    if (method == k) m = k;
  }
  // Family::Add builds and hashes a label map under a lock: remember the
  // counter of each label set (routes x methods x statuses: a few hundred).
  std::string key;
  key.reserve(route.size() + m.size() + 8);
  key.append(route).append(1, ' ').append(m).append(1, ' ').append(std::to_string(status));
  prometheus::Counter* c;
  {
    MutexLock lock(&request_counters_mu_);
    auto it = request_counters_.find(key);
    if (it == request_counters_.end()) {
      c = &requests_->Add({{"route", std::string(route)},
                           {"method", std::string(m)},
                           {"status", std::to_string(status)}});
      request_counters_.emplace(std::move(key), c);
    } else {
      c = it->second;
    }
  }
  c->Increment();
}

void Metrics::ObserveWrite(bool ack_log, double s) {
  (ack_log ? write_log_seconds_ : write_applied_seconds_)->Observe(s);
}
void Metrics::ObserveRead(double s) { read_seconds_->Observe(s); }

void Metrics::ObserveApplyBatch(size_t entries, double seconds) {
  apply_batch_entries_->Observe(static_cast<double>(entries));
  apply_batch_seconds_->Observe(seconds);
}

void Metrics::SetApplied(uint64_t entries, uint64_t lag_entries, uint64_t lag_ms) {
  {
    // A counter only moves forward: add what was applied since last time.
    MutexLock lock(&applied_mu_);
    double e = static_cast<double>(entries);
    if (e > applied_seen_) {
      applied_entries_->Increment(e - applied_seen_);
      applied_seen_ = e;
    }
  }
  lag_entries_->Set(static_cast<double>(lag_entries));
  lag_ms_->Set(static_cast<double>(lag_ms));
}

void Metrics::SetLogBytes(uint64_t bytes) { log_bytes_->Set(static_cast<double>(bytes)); }

void Metrics::SetStored(const Usage& u) {
  files_->Set(static_cast<double>(u.files));
  bytes_->Set(static_cast<double>(u.bytes));
  uploads_->Set(static_cast<double>(u.uploads));
  staged_bytes_->Set(static_cast<double>(u.staged_bytes));
}

void Metrics::LogError(std::string_view who) {
  log_errors_->Add(L({{"caller", std::string(who)}})).Increment();
}

void Metrics::ObserveSnapshot(bool ok, double seconds, uint64_t bytes) {
  snapshots_->Add(L({{"result", ok ? "ok" : "failed"}})).Increment();
  if (!ok) return;
  snapshot_seconds_->Observe(seconds);
  snapshot_bytes_->Set(static_cast<double>(bytes));
}

void Metrics::Trimmed(uint64_t entries) { trimmed_->Increment(static_cast<double>(entries)); }
void Metrics::SetDiverged(bool d) { diverged_->Set(d ? 1 : 0); }

void Metrics::SetPaused(bool p) { paused_->Set(p ? 1 : 0); }

std::string Metrics::Serialize() const {
  prometheus::TextSerializer s;
  return s.Serialize(registry_->Collect());
}

}  // namespace walfs
