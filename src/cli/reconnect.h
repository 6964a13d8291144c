// What the commands that follow a server for long (watch, tail -f) share:
// the servers they may use (--server may list several, comma-separated)
// and the wait before trying again after a lost connection.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "client/http_client.h"

namespace walfs::cli {

class Reconnect {
 public:
  explicit Reconnect(const ClientOptions& o) {
    std::string list = o.server;
    for (size_t start = 0; start <= list.size();) {
      size_t comma = std::min(list.find(',', start), list.size());
      ClientOptions one = o;
      one.server = list.substr(start, comma - start);
      if (!one.server.empty()) servers_.push_back(one);
      start = comma + 1;
    }
    if (servers_.empty()) servers_.push_back(o);
  }
  // The server to use now, with a read timeout of timeout_ms.
  ClientOptions Now(int timeout_ms) const {
    ClientOptions o = servers_[which_ % servers_.size()];
    o.timeout_ms = timeout_ms;
    return o;
  }
  const std::string& server() const { return servers_[which_ % servers_.size()].server; }
  // After a failure: the next server, after a wait that grows to 5 s while
  // nothing works (progress resets it).
  void Failed() {
    ++which_;
    auto wait = std::chrono::milliseconds(std::min<int64_t>(5000, 100LL << std::min(failures_, 6)));
    ++failures_;
    std::this_thread::sleep_for(wait);
  }
  void Progressed() { failures_ = 0; }

 private:
  std::vector<ClientOptions> servers_;
  size_t which_ = 0;
  int failures_ = 0;
};

}  // namespace walfs::cli
