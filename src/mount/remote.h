// Remote: the servers a mount talks to. A pool of connections per server
// (FUSE calls come from several threads), failover to the next server when
// one does not answer, and the mount's position token: the highest
// position it has seen, carried to every server so that a session read is
// never older than what the mount wrote or read (mount.md, "Consistency").
// Writes carry an Idempotency-Key, so a write retried on another server
// after a lost answer is applied once.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "core/position.h"
#include "mount/mount_options.h"
#include "runtime/mutex.h"

namespace walfs {

class Remote {
 public:
  explicit Remote(const MountOptions& o);

  using Headers = std::map<std::string, std::string>;
  // A read: with the position token (session) or a strong barrier
  // (strong, when barrier is set) in the request.
  Result<ClientResponse> Read(const std::string& target, bool barrier = false);
  // A read without a barrier whose 2xx body goes into *body, reusing its
  // capacity (HttpClient::GetInto): the read-ahead window.
  Result<ClientResponse> ReadInto(const std::string& target, std::string* body);
  // A write, with a fresh Idempotency-Key; its answer's position advances
  // the token.
  Result<ClientResponse> Write(const std::string& method, const std::string& target,
                               const std::string& body, Headers headers = {});
  // Any request, as it is (probes).
  Result<ClientResponse> Send(const std::string& method, const std::string& target,
                              const std::string& body, const Headers& headers);

  // The newest position this mount saw of each volume, as min_position
  // takes them ("1732-0,big:1800-0"; empty before the first).
  std::string token() const;
  // How many writes this mount has started: a read that began before a
  // write may not show it.
  uint64_t writes() const { return writes_.load(std::memory_order_acquire); }
  // The server answering now.
  std::string server() const;

 private:
  // call(client) on the server answering now, then on each other once.
  template <class F>
  Result<ClientResponse> OnServers(F call);
  // A read's headers (the token), and its target's barrier.
  Headers ReadHeaders(std::string* target, bool barrier) const;
  void Saw(const ClientResponse& r);
  std::unique_ptr<HttpClient> Take(size_t server);
  void Give(size_t server, std::unique_ptr<HttpClient> c);

  const MountOptions& o_;
  std::atomic<uint64_t> writes_{0};
  mutable Mutex mu_;
  size_t current_ GUARDED_BY(mu_) = 0;
  std::map<std::string, Position> tokens_ GUARDED_BY(mu_);  // by volume
  std::vector<std::vector<std::unique_ptr<HttpClient>>> idle_ GUARDED_BY(mu_);
};

}  // namespace walfs
