// Integration harness: real `walfs serve` processes over a real
// redis-server (or the embedded local log), talked to over real HTTP.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "support/process.h"

namespace walfs::testing {

using nlohmann::json;

// One `walfs serve` process.
class ServeProcess {
 public:
  ServeProcess(std::string data_dir, std::string log_url, std::string replica_id,
               std::vector<std::string> extra_args = {}, std::vector<std::string> env = {});
  void Start();
  void Kill(int sig) { proc_.Kill(sig); }
  int Stop(int sig = 15) { return proc_.Stop(sig); }
  bool running() { return proc_.running(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  HttpClient Client(int timeout_ms = 30000) const { return HttpClient(url(), timeout_ms); }
  // Waits until /readyz answers 200.
  bool WaitReady(std::chrono::milliseconds deadline = std::chrono::seconds(20));
  std::string log_path() const { return data_dir_ + ".log"; }

 private:
  std::string data_dir_, log_url_, id_;
  std::vector<std::string> extra_, env_;
  int port_;
  Process proc_;
};

// The log the cluster tests run on: WALFS_TEST_LOG, "redis" (the default)
// or "nats" (make test runs the cluster scenarios on both).
enum class TestLog { kRedis, kNats };
TestLog TestLogFromEnvironment();

// n replicas on one log: a redis-server's stream, or a stream on a
// 3-server NATS JetStream cluster (R3).
class Cluster {
 public:
  explicit Cluster(size_t n, bool redis_appendonly = false,
                   std::vector<std::string> extra_args = {}, std::vector<std::string> env = {});
  Cluster(TestLog log, size_t n, std::vector<std::string> extra_args = {});
  // Adds (and starts) one more replica on the same log.
  ServeProcess& AddReplica(const std::string& id);
  ServeProcess& node(size_t i) { return *nodes_[i]; }
  size_t size() const { return nodes_.size(); }
  // The log's servers: a test that needs one kind fails on the other.
  RedisServer& redis();
  NatsCluster& nats();
  const std::string& log_url() const { return log_url_; }
  const std::string& dir() const { return dir_.path(); }

 private:
  void Start(size_t n);

  TempDir dir_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<NatsCluster> nats_;
  std::string log_url_;
  std::vector<std::unique_ptr<ServeProcess>> nodes_;
  std::vector<std::string> extra_, env_;
};

// An S3 server (npm's s3rver, installed under tools/ by install-deps) on a
// free port, with one bucket.
class S3Server {
 public:
  S3Server(const std::string& dir, const std::string& bucket);
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  Process proc_;
};

// Runs the walfs CLI (in cwd if not empty); returns its exit status and
// its output (stdout and stderr).
std::pair<int, std::string> RunCli(const std::vector<std::string>& args,
                                   const std::vector<std::string>& env = {},
                                   const std::string& cwd = "");

json Json(const ClientResponse& r);
// The whole file as a replica sees it after a strong read.
std::string StrongRead(HttpClient& c, const std::string& path, int* status = nullptr);
// /readyz's JSON (applied position and digest), whatever its status.
json Ready(HttpClient& c);
// A raw TCP connection to 127.0.0.1:port, for what HttpClient will not
// send (malformed, trickled or idle requests).
class RawConn {
 public:
  explicit RawConn(int port);
  ~RawConn();
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;
  bool connected() const { return connected_; }
  bool Send(std::string_view bytes);
  // True once the server has closed the connection (recv sees EOF or an
  // error), without blocking.
  bool ClosedByServer();
  // True once the server has sent something or closed, without blocking.
  bool Answered();
  // Everything until the server closes (at most 10 s).
  std::string ReadAll();

 private:
  int fd_;
  bool connected_ = false;
};

// Sends raw bytes to 127.0.0.1:port and returns everything the server sends
// back until it closes (send "Connection: close"), at most 10 s.
std::string RawExchange(int port, const std::string& bytes);

// A test CA (DIR/NAME/ca.pem) and a certificate it signed for 127.0.0.1
// and localhost (server.pem, server.key), made by the openssl command.
void MakeCertificate(const std::string& dir, const std::string& name);

}  // namespace walfs::testing
