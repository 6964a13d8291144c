#include "support/process.h"

#include <nats/nats.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace walfs::testing {

std::pair<int, std::string> Shell(const std::string& cmd) {
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return {-1, ""};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int st = ::pclose(f);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a free port");
  }
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool PortAcceptsConnections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "walfs-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  // WALFS_KEEP_TEST_DIRS=1 leaves them (stores, logs) for a look after a failure.
  if (const char* keep = std::getenv("WALFS_KEEP_TEST_DIRS"); keep != nullptr && *keep != '\0') {
    std::fprintf(stderr, "kept %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Process::Process(std::vector<std::string> argv, const std::string& log_path, const std::string& cwd,
                 std::vector<std::string> env) {
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::setpgid(0, 0);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    if (!log_path.empty()) {
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::close(fd);
      }
    }
    for (auto& e : env) ::putenv(e.data());
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
}

Process::Process(Process&& o) noexcept : pid_(o.pid_), status_(o.status_) { o.pid_ = -1; }
Process& Process::operator=(Process&& o) noexcept {
  if (this != &o) {
    if (pid_ > 0) Stop(9);
    pid_ = o.pid_;
    status_ = o.status_;
    o.pid_ = -1;
  }
  return *this;
}
Process::~Process() {
  if (pid_ > 0) {
    // Its children too (nginx's workers outlived a killed master): the
    // child is its own process group's leader.
    ::kill(-pid_, SIGKILL);
    Stop(9);
  }
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int st;
  if (::waitpid(pid_, &st, WNOHANG) == pid_) {
    status_ = st;
    pid_ = -1;
    return false;
  }
  return true;
}

void Process::Kill(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

int Process::Stop(int sig) {
  if (pid_ <= 0) return status_;
  ::kill(pid_, sig);
  int st = Wait(std::chrono::seconds(20));
  if (st == -1 && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    pid_ = -1;
  }
  return status_;
}

int Process::Wait(std::chrono::milliseconds deadline) {
  WaitFor([&] { return !running(); }, deadline);
  return pid_ > 0 ? -1 : status_;
}

RedisServer::RedisServer(const std::string& dir, bool appendonly, std::string extra_bind)
    : dir_(dir), appendonly_(appendonly), extra_bind_(std::move(extra_bind)), port_(FreePort()) {
  Start();
}

void RedisServer::Start() {
  std::vector<std::string> argv = {
      "redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
      "--dir",        dir_,     "--daemonize",         "no"};
  if (!extra_bind_.empty()) {
    // Reached from another network namespace: not loopback, no password.
    argv.insert(argv.begin() + 5, extra_bind_);
    argv.insert(argv.end(), {"--protected-mode", "no"});
  }
  if (appendonly_) {
    argv.insert(argv.end(), {"--appendonly", "yes", "--appendfsync", "always"});
  } else {
    argv.insert(argv.end(), {"--appendonly", "no"});
  }
  proc_ = Process(argv, dir_ + "/redis.log");
  if (!WaitFor([&] { return PortAcceptsConnections(port_); }, std::chrono::seconds(10))) {
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_) +
                             " (is redis-server installed? make test installs it)");
  }
}

void RedisServer::Stop(int sig) { proc_.Stop(sig); }

std::string RedisServer::url(const std::string& stream) const {
  return "redis://127.0.0.1:" + std::to_string(port_) + "?stream=" + stream;
}

NatsCluster::NatsCluster(const std::string& dir, int servers) : dir_(dir) {
  procs_.resize(servers);
  // A port found free can be taken before its server binds it (by another
  // server's outgoing route connection): then the cluster starts again on
  // other ports.
  for (int attempt = 0;; ++attempt) {
    ports_.clear();
    cluster_ports_.clear();
    http_ports_.clear();
    for (int i = 0; i < servers; ++i) {
      ports_.push_back(FreePort());
      cluster_ports_.push_back(FreePort());
      http_ports_.push_back(FreePort());
    }
    try {
      StartAll();
      return;
    } catch (const std::exception&) {
      for (auto& p : procs_) p.Stop(9);
      if (attempt == 2) throw;
    }
  }
}

NatsCluster::~NatsCluster() {
  for (auto& p : procs_) p.Stop(9);
}

void NatsCluster::Start(int i) {
  std::string name = "n" + std::to_string(i);
  std::string conf = dir_ + "/" + name + ".conf";
  std::ofstream f(conf);
  f << "server_name: " << name << "\n"
    << "listen: 127.0.0.1:" << ports_[i] << "\n"
    << "http: 127.0.0.1:" << http_ports_[i] << "\n"
    << "jetstream { store_dir: \"" << dir_ << "/" << name << "\" }\n";
  if (size() > 1) {
    f << "cluster {\n  name: walfs\n  listen: 127.0.0.1:" << cluster_ports_[i] << "\n  routes: [";
    const char* sep = " ";
    for (int j = 0; j < size(); ++j) {
      if (j == i) continue;
      f << sep << "nats-route://127.0.0.1:" << cluster_ports_[j];
      sep = ", ";
    }
    f << " ]\n}\n";
  }
  f.close();
  procs_[i] = Process({"nats-server", "-c", conf}, dir_ + "/" + name + ".log");
  if (!WaitFor([&] { return PortAcceptsConnections(ports_[i]) || !procs_[i].running(); },
               std::chrono::seconds(10)) ||
      !procs_[i].running()) {
    throw std::runtime_error("nats-server did not start on port " + std::to_string(ports_[i]) +
                             " (is nats-server installed? make test installs it)");
  }
}

void NatsCluster::StartAll() {
  for (int i = 0; i < size(); ++i) Start(i);
  if (!WaitFor([&] { return Healthy(); }, std::chrono::seconds(30))) {
    throw std::runtime_error("the NATS servers' JetStream did not become healthy (see " + dir_ +
                             "/n0.log)");
  }
}

void NatsCluster::Stop(int i, int sig) { procs_[i].Stop(sig); }

bool NatsCluster::Healthy() {
  for (int i = 0; i < size(); ++i) {
    if (!procs_[i].running()) continue;
    auto [rc, out] = Shell("curl -sf http://127.0.0.1:" + std::to_string(http_ports_[i]) +
                           "/healthz 2>/dev/null");
    if (rc != 0 || out.find("ok") == std::string::npos) return false;
  }
  return true;
}

int NatsCluster::StreamLeader(const std::string& stream) {
  for (int i = 0; i < size(); ++i) {
    if (!procs_[i].running()) continue;
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    std::string leader;
    std::string u = "nats://127.0.0.1:" + std::to_string(ports_[i]);
    if (natsConnection_ConnectTo(&nc, u.c_str()) == NATS_OK &&
        natsConnection_JetStream(&js, nc, nullptr) == NATS_OK &&
        js_GetStreamInfo(&si, js, stream.c_str(), nullptr, &jerr) == NATS_OK &&
        si->Cluster != nullptr && si->Cluster->Leader != nullptr) {
      leader = si->Cluster->Leader;
    }
    if (si != nullptr) jsStreamInfo_Destroy(si);
    if (js != nullptr) jsCtx_Destroy(js);
    if (nc != nullptr) natsConnection_Destroy(nc);
    // Servers are named n<index>.
    if (leader.size() > 1 && leader[0] == 'n') return std::stoi(leader.substr(1));
  }
  return -1;
}

std::string NatsCluster::url(const std::string& stream) const {
  std::string u = "nats://";
  for (int i = 0; i < size(); ++i)
    u += (i ? ",127.0.0.1:" : "127.0.0.1:") + std::to_string(ports_[i]);
  return u + "?stream=" + stream + "&replicas=" + (size() > 1 ? "3" : "1");
}

}  // namespace walfs::testing
