// A TCP proxy in front of one server that loses answers: each answer the
// server sends is, with the given probability, swallowed and both
// connections closed. The request has reached the server by then, so the
// write it carried may well be applied: the client cannot tell. With
// probability 0 it is a plain forwarder whose upstream can be moved (a
// failover behind a fixed address).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace walfs::testing {

class DroppingProxy {
 public:
  DroppingProxy(int upstream_port, double drop_probability, uint32_t seed);
  ~DroppingProxy();
  DroppingProxy(const DroppingProxy&) = delete;
  DroppingProxy& operator=(const DroppingProxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  // New connections go to this port from now on (existing ones stay).
  void SetUpstream(int port) { upstream_port_ = port; }
  uint64_t dropped() const { return dropped_; }
  uint64_t forwarded() const { return forwarded_; }

 private:
  void Accept();
  void Pipe(int client);
  bool Drop();

  std::atomic<int> upstream_port_;
  double p_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> dropped_{0}, forwarded_{0};
  std::mutex mu_;
  std::mt19937 rng_;
  std::thread acceptor_;
  std::vector<std::thread> pipes_;
};

}  // namespace walfs::testing
