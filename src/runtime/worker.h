// Worker: one named background thread, and the lock, condition and stop
// flag that its owner's state shares with it.
//
// The applier, the proposer, the cluster agent and the snapshotter each run
// one. The owner keeps what the thread and other threads share under mu()
// (its fields say GUARDED_BY(worker_.mu())) and waits through Wait,
// WaitUntil and Sleep, which return false once Stop() was called: the body
// then returns. Stop() wakes the thread and joins it.
// Thread-safety: Start/Stop from the owner; Notify and mu() from any thread;
// Wait, WaitUntil, Sleep and WaitForStop from the worker's thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "runtime/mutex.h"

namespace walfs {

class Worker {
 public:
  using Steady = std::chrono::steady_clock;

  explicit Worker(std::string name) : name_(std::move(name)) {}
  ~Worker() { Stop(); }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // REQUIRES: not started.
  void Start(std::function<void()> body);
  // Idempotent; after it, stopping() is true for good.
  void Stop() EXCLUDES(mu_);
  void Notify() { cv_.NotifyAll(); }

  Mutex& mu() RETURN_CAPABILITY(mu_) { return mu_; }
  bool stopping() const REQUIRES(mu_) { return stopping_; }

  // Waits, with mu() held, for Notify() or Stop() (or a spurious wakeup:
  // callers loop over their condition). False once stopping.
  bool Wait() REQUIRES(mu_) {
    if (!stopping_) cv_.Wait(&mu_);
    return !stopping_;
  }
  // The same, until `until` at the latest.
  bool WaitUntil(Steady::time_point until) REQUIRES(mu_) {
    if (!stopping_) cv_.WaitUntil(&mu_, until);
    return !stopping_;
  }
  // Waits d, or until Stop(); false once stopping.
  bool Sleep(std::chrono::milliseconds d) EXCLUDES(mu_);
  // Waits until Stop() (a halted body stays alive until then).
  void WaitForStop() EXCLUDES(mu_);
  // Whether Stop() was called.
  bool Stopping() EXCLUDES(mu_);

 private:
  std::string name_;
  Mutex mu_;
  CondVar cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace walfs
