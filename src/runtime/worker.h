// Worker: one named background thread, and the lock, condition and stop
// flag that its owner's state shares with it.
//
// The applier, the proposer, the cluster agent and the snapshotter each run
// one. The owner keeps what the thread and other threads share under mu()
// and waits through Wait/Sleep, which return false once Stop() was called:
// the body then returns. Stop() wakes the thread and joins it.
// Thread-safety: Start/Stop from the owner; Notify and mu() from any thread;
// Wait and Sleep from the worker's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace walfs {

class Worker {
 public:
  explicit Worker(std::string name) : name_(std::move(name)) {}
  ~Worker() { Stop(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // REQUIRES: not started.
  void Start(std::function<void()> body);
  // Idempotent; after it, stopping() is true for good.
  void Stop();
  void Notify() { cv_.notify_all(); }

  std::mutex& mu() { return mu_; }
  bool stopping() const { return stopping_; }  // REQUIRES: mu() held

  // Waits, with lock (on mu()) held, until pred() or Stop(), at most d.
  // False once stopping.
  template <typename Pred>
  bool Wait(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds d, Pred pred) {
    cv_.wait_for(lock, d, [&] { return stopping_ || pred(); });
    return !stopping_;
  }
  // The same without a time limit.
  template <typename Pred>
  bool Wait(std::unique_lock<std::mutex>& lock, Pred pred) {
    cv_.wait(lock, [&] { return stopping_ || pred(); });
    return !stopping_;
  }
  // Waits d, or until Stop(); false once stopping.
  bool Sleep(std::chrono::milliseconds d) {
    std::unique_lock lock(mu_);
    return Wait(lock, d, [] { return false; });
  }

 private:
  std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace walfs
