#include "runtime/worker.h"

#include <pthread.h>

namespace walfs {

void Worker::Start(std::function<void()> body) {
  thread_ = std::thread([this, body = std::move(body)] {
    // Linux thread names are at most 15 bytes.
    pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
    body();
  });
}

void Worker::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.NotifyAll();
  if (thread_.joinable()) thread_.join();
}

bool Worker::Sleep(std::chrono::milliseconds d) {
  auto until = Steady::now() + d;
  MutexLock lock(&mu_);
  while (!stopping_ && Steady::now() < until) cv_.WaitUntil(&mu_, until);
  return !stopping_;
}

void Worker::WaitForStop() {
  MutexLock lock(&mu_);
  while (!stopping_) cv_.Wait(&mu_);
}

bool Worker::Stopping() {
  MutexLock lock(&mu_);
  return stopping_;
}

}  // namespace walfs
