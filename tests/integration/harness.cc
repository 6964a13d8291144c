#include "integration/harness.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace walfs::testing {

ServeProcess::ServeProcess(std::string data_dir, std::string log_url, std::string replica_id,
                           std::vector<std::string> extra_args, std::vector<std::string> env)
    : data_dir_(std::move(data_dir)),
      log_url_(std::move(log_url)),
      id_(std::move(replica_id)),
      extra_(std::move(extra_args)),
      env_(std::move(env)),
      port_(FreePort()) {}

void ServeProcess::Start() {
  std::vector<std::string> argv = {WALFS_BINARY, "serve",    "--data",
                                   data_dir_,    "--listen", "127.0.0.1:" + std::to_string(port_),
                                   "--log",      log_url_,   "--replica-id",
                                   id_};
  argv.insert(argv.end(), extra_.begin(), extra_.end());
  proc_ = Process(argv, log_path(), "", env_);
  if (!WaitFor([&] { return PortAcceptsConnections(port_) || !proc_.running(); },
               std::chrono::seconds(20)) ||
      !proc_.running()) {
    // The log goes with its directory when the test ends: its tail is kept here.
    std::ifstream log(log_path());
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    if (text.size() > 4000) text = "..." + text.substr(text.size() - 4000);
    throw std::runtime_error("walfs serve did not start; " + log_path() + ":\n" + text);
  }
}

bool ServeProcess::WaitReady(std::chrono::milliseconds deadline) {
  HttpClient c = Client(2000);
  return WaitFor(
      [&] {
        auto r = c.Get("/readyz");
        return r.ok() && r->status == 200;
      },
      deadline);
}

TestLog TestLogFromEnvironment() {
  const char* v = std::getenv("WALFS_TEST_LOG");
  std::string log = v != nullptr ? v : "redis";
  if (log == "redis") return TestLog::kRedis;
  if (log == "nats") return TestLog::kNats;
  throw std::runtime_error("WALFS_TEST_LOG is redis or nats, not '" + log + "'");
}

Cluster::Cluster(size_t n, bool redis_appendonly, std::vector<std::string> extra_args,
                 std::vector<std::string> env)
    : extra_(std::move(extra_args)), env_(std::move(env)) {
  if (TestLogFromEnvironment() == TestLog::kNats) {
    // JetStream's own durability (a quorum of three) stands in for
    // Redis's appendfsync.
    nats_ = std::make_unique<NatsCluster>(dir_.path(), 3);
    log_url_ = nats_->url();
  } else {
    redis_ = std::make_unique<RedisServer>(dir_.path(), redis_appendonly);
    log_url_ = redis_->url();
  }
  Start(n);
}

Cluster::Cluster(TestLog log, size_t n, std::vector<std::string> extra_args)
    : extra_(std::move(extra_args)) {
  if (log == TestLog::kNats) {
    nats_ = std::make_unique<NatsCluster>(dir_.path(), 3);
    log_url_ = nats_->url();
  } else {
    redis_ = std::make_unique<RedisServer>(dir_.path());
    log_url_ = redis_->url();
  }
  Start(n);
}

void Cluster::Start(size_t n) {
  for (size_t i = 0; i < n; ++i) {
    nodes_.push_back(std::make_unique<ServeProcess>(
        dir_.path() + "/r" + std::to_string(i), log_url_, "r" + std::to_string(i), extra_, env_));
    nodes_.back()->Start();
  }
  // A NATS cluster places and elects the new stream's group first: seconds.
  auto deadline = nats_ ? std::chrono::seconds(60) : std::chrono::seconds(20);
  for (auto& node : nodes_) {
    if (!node->WaitReady(deadline)) {
      throw std::runtime_error("replica not ready: " + node->log_path());
    }
  }
}

RedisServer& Cluster::redis() {
  if (!redis_) throw std::runtime_error("this test needs Redis; the cluster runs on " + log_url_);
  return *redis_;
}

NatsCluster& Cluster::nats() {
  if (!nats_) throw std::runtime_error("this test needs NATS; the cluster runs on " + log_url_);
  return *nats_;
}

ServeProcess& Cluster::AddReplica(const std::string& id) {
  nodes_.push_back(
      std::make_unique<ServeProcess>(dir_.path() + "/" + id, log_url_, id, extra_, env_));
  nodes_.back()->Start();
  return *nodes_.back();
}

S3Server::S3Server(const std::string& dir, const std::string& bucket) : port_(FreePort()) {
  std::string bin = std::string(WALFS_SOURCE_DIR) + "/tools/node_modules/.bin/s3rver";
  proc_ = Process({bin, "-d", dir, "-a", "127.0.0.1", "-p", std::to_string(port_), "--silent",
                   "--configure-bucket", bucket},
                  dir + "/../s3rver.log");
  if (!WaitFor([&] { return PortAcceptsConnections(port_); }, std::chrono::seconds(30))) {
    throw std::runtime_error("s3rver did not start (make test installs it under tools/)");
  }
}

std::pair<int, std::string> RunCli(const std::vector<std::string>& args,
                                   const std::vector<std::string>& env, const std::string& cwd) {
  TempDir tmp;
  std::vector<std::string> argv = {WALFS_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv, tmp.path() + "/out", cwd, env);
  int st = p.Wait(std::chrono::seconds(120));
  std::ifstream f(tmp.path() + "/out");
  std::string out((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

json Json(const ClientResponse& r) { return json::parse(r.body, nullptr, false); }

std::string StrongRead(HttpClient& c, const std::string& path, int* status) {
  auto r = c.Get("/v1/fs" + path + "?consistency=strong");
  if (status != nullptr) *status = r.ok() ? r->status : -1;
  return r.ok() ? r->body : "";
}

RawConn::RawConn(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

RawConn::~RawConn() { ::close(fd_); }

bool RawConn::Send(std::string_view bytes) {
  return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(bytes.size());
}

bool RawConn::ClosedByServer() {
  char c;
  ssize_t n = ::recv(fd_, &c, 1, MSG_DONTWAIT | MSG_PEEK);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

bool RawConn::Answered() {
  char c;
  ssize_t n = ::recv(fd_, &c, 1, MSG_DONTWAIT | MSG_PEEK);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

std::string RawConn::ReadAll() {
  timeval tv{10, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

std::string RawExchange(int port, const std::string& bytes) {
  RawConn c(port);
  if (!c.connected() || !c.Send(bytes)) return "";
  return c.ReadAll();
}

json Ready(HttpClient& c) {
  auto r = c.Get("/readyz");
  return r.ok() ? Json(*r) : json();
}

// A test CA and a certificate for 127.0.0.1 and localhost, made by the
// openssl command.
void MakeCertificate(const std::string& dir, const std::string& name) {
  std::string d = dir + "/" + name;
  auto [rc, out] =
      Shell("mkdir -p " + d + " && cd " + d +
            " && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2"
            " -subj '/CN=walfs test CA " +
            name +
            "'"
            " && openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr"
            " -subj '/CN=localhost'"
            " && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext.cnf"
            " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
            " -out server.pem -days 2 -extfile ext.cnf 2>&1");
  ASSERT_EQ(rc, 0) << out;
}

}  // namespace walfs::testing
