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
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace walfs
