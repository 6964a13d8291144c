// The workload of the fault scenarios and its history checker.
//
// Writers append unique 16-byte records to a few files through the replicas
// (optionally with an Idempotency-Key, retried with the same key and body
// until the answer is definite); readers read those files with
// `consistency=strong` or `min_position`. Every operation is recorded with
// its invoke and complete times, its answer's position, the append's offset
// and, for a read, the length and hash of what it saw.
//
// Mixers meanwhile do every other kind of write under /mixed.
//
// After the faults, Check reads every file from every replica and verifies:
// - replicas hold byte-identical files;
// - every acknowledged record is at the offset its answer gave, exactly once;
// - every read saw a prefix of the one final history, and exactly the
//   acknowledged appends at or below the position it was answered at;
// - a min_position read was answered at or past that position, and a strong
//   read at or past every append acknowledged before it was sent.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/position.h"
#include "integration/harness.h"

namespace walfs::testing {

struct HistoryOptions {
  int writers = 6;
  int readers = 2;
  // Clients doing every other kind of write (put, write, truncate, rename,
  // mkdir, delete, transactions) under /mixed: not in the history, but
  // replicas must still end identical.
  int mixers = 1;
  int files = 2;
  // Retry each append with the same Idempotency-Key until it is answered.
  bool idempotent = false;
  int request_timeout_ms = 5000;
};

struct Op {
  bool append = true;
  std::string path;
  std::chrono::steady_clock::time_point invoked, completed;
  bool ok = false;
  Position position;
  // append
  std::string record;
  uint64_t offset = 0;
  int attempts = 0;
  // read
  bool strong = false;
  Position min_position;
  uint64_t length = 0;
  uint64_t hash = 0;
};

struct Tally {
  uint64_t appends_acked = 0, appends_unanswered = 0, retries = 0, records_present = 0;
  uint64_t missing = 0, duplicated = 0, misplaced = 0;
  uint64_t reads_ok = 0, reads_failed = 0, read_violations = 0;
  uint64_t divergent_files = 0;
  std::vector<std::string> problems;  // the first few, for the failure message
  std::string Summary() const;
};

class History {
 public:
  // urls: where the clients send requests (replicas, or proxies in front of them).
  History(std::vector<std::string> urls, HistoryOptions opts);
  ~History();
  void Start();
  void Stop();       // joins the clients
  uint64_t acked();  // appends acknowledged so far
  // Reads every file strongly from each replica and checks the history.
  Tally Check(const std::vector<std::string>& replica_urls);

 private:
  void Writer(int t);
  void Reader(int t);
  void Mixer(int t);
  void Record(Op op);

  std::vector<std::string> urls_;
  HistoryOptions opts_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::vector<Op> ops_;
  Position last_acked_;  // for min_position reads
};

// The checks above, on a recorded history and the final content of each
// file (path -> bytes).
Tally CheckHistory(const std::vector<Op>& ops, const std::map<std::string, std::string>& files);

// Fails the running test for each anomaly: missing, duplicated or misplaced
// records, read violations, files that differ between replicas.
void ExpectNoAnomalies(const Tally& t);

// The replicas' base URLs.
std::vector<std::string> Urls(Cluster& c);
std::vector<std::string> Urls(const std::vector<ServeProcess*>& nodes);

// Waits until every replica is ready, at the log's last position, with equal digests.
bool Converged(const std::vector<std::string>& replica_urls);

}  // namespace walfs::testing
