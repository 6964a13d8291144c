// Proposer: turns encoded entries into log appends, with group commit.
//
// One thread that owns its own log connection and a bounded queue. It
// drains the queue, appends every pending entry in one call (one round
// trip for Redis: a single script call), and completes each request with
// its position or error. Under load many requests share a round trip; with
// one request in flight the latency is one round trip. It also answers
// "what is the log's last position" (for consistency=strong) in the same
// rounds.
// Thread-safety: Submit/SubmitTail from any thread. Callbacks run on the
// proposer thread and must only post work elsewhere.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <thread>

#include "log/log.h"
#include "replica/options.h"
#include "runtime/worker.h"

namespace walfs {

class Proposer {
 public:
  using Done = std::function<void(Result<Position>)>;

  Proposer(std::shared_ptr<Log> log, const ServerOptions& opts);
  ~Proposer();
  void Start();
  void Stop();

  // False (and done is not called) when the queue is full.
  bool Submit(std::string payload, Done done);
  bool SubmitTail(Done done);

  // One round: what is queued (up to a batch) appended in one call, as the
  // proposer's thread does; returns how many requests it answered. For the
  // simulation. REQUIRES: Start() was not called.
  size_t RunOnce();

 private:
  struct Item {
    std::string payload;
    bool tail = false;
    Done done;
  };
  void Run();
  void Round(std::vector<Item>* items);
  void TakeBatch(std::vector<Item>* items) REQUIRES(worker_.mu());
  bool Enqueue(Item item);

  std::shared_ptr<Log> log_;
  ServerOptions opts_;
  std::unique_ptr<LogConnection> conn_;  // owned by the proposer thread
  Worker worker_{"walfs-propose"};
  std::deque<Item> queue_ GUARDED_BY(worker_.mu());
};

}  // namespace walfs
