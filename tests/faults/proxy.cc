#include "faults/proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace walfs::testing {

namespace {

bool SendAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

DroppingProxy::DroppingProxy(int upstream_port, double drop_probability, uint32_t seed)
    : upstream_port_(upstream_port), p_(drop_probability), rng_(seed) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    throw std::runtime_error("proxy: cannot listen");
  }
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

DroppingProxy::~DroppingProxy() {
  stop_ = true;
  acceptor_.join();
  for (auto& t : pipes_) t.join();
  ::close(listen_fd_);
}

bool DroppingProxy::Drop() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0, 1)(rng_) < p_;
}

void DroppingProxy::Accept() {
  while (!stop_) {
    pollfd pf{listen_fd_, POLLIN, 0};
    if (::poll(&pf, 1, 50) <= 0) continue;
    int c = ::accept(listen_fd_, nullptr, nullptr);
    if (c < 0) continue;
    std::lock_guard lock(mu_);
    pipes_.emplace_back([this, c] { Pipe(c); });
  }
}

// Forwards one client connection. The first bytes of each answer decide
// whether that answer is lost (both connections closed, nothing forwarded).
void DroppingProxy::Pipe(int client) {
  int up = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(upstream_port_));
  int one = 1;
  ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(up);
    ::close(client);
    return;
  }
  bool answer_started = false;
  char buf[64 << 10];
  while (!stop_) {
    pollfd pf[2] = {{client, POLLIN, 0}, {up, POLLIN, 0}};
    if (::poll(pf, 2, 50) <= 0) continue;
    if (pf[0].revents != 0) {
      ssize_t n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0 || !SendAll(up, buf, static_cast<size_t>(n))) break;
      answer_started = false;  // a new request: its answer is decided afresh
    }
    if (pf[1].revents != 0) {
      ssize_t n = ::recv(up, buf, sizeof buf, 0);
      if (n <= 0) break;
      if (!answer_started) {
        answer_started = true;
        if (Drop()) {
          ++dropped_;
          break;
        }
        ++forwarded_;
      }
      if (!SendAll(client, buf, static_cast<size_t>(n))) break;
    }
  }
  ::close(up);
  ::close(client);
}

}  // namespace walfs::testing
