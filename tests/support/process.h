// Test helpers that run real processes: a child process handle, free ports,
// a redis-server started on a free port, temporary directories, and a
// wait-for-condition with a deadline (tests never sleep to synchronise).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace walfs::testing {

// Polls cond every few ms until it is true or the deadline passes.
bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds deadline);

// Runs a command with /bin/sh; its exit status (-1 if it did not exit)
// and standard output.
std::pair<int, std::string> Shell(const std::string& cmd);

int FreePort();
bool PortAcceptsConnections(int port);

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Process {
 public:
  Process() = default;
  // Starts argv[0] (searched in PATH) with the extra environment variables,
  // in `cwd` if not empty; stdout and stderr go to log_path if not empty.
  Process(std::vector<std::string> argv, const std::string& log_path = "",
          const std::string& cwd = "", std::vector<std::string> env = {});
  Process(Process&& o) noexcept;
  Process& operator=(Process&& o) noexcept;
  ~Process();

  int pid() const { return pid_; }
  bool running();
  void Kill(int sig);
  // Sends sig and waits for the exit; returns the wait status.
  int Stop(int sig = 15);
  // Waits for the exit (up to deadline); -1 if still running.
  int Wait(std::chrono::milliseconds deadline);

 private:
  int pid_ = -1;
  int status_ = -1;
};

// A redis-server on a free port, stopped when destroyed.
class RedisServer {
 public:
  // extra_bind: another address to listen on besides 127.0.0.1.
  explicit RedisServer(const std::string& dir, bool appendonly = false,
                       std::string extra_bind = "");
  void Start();
  void Stop(int sig = 15);
  // Sends sig and does not wait (SIGSTOP freezes it, SIGCONT thaws it).
  void Signal(int sig) { proc_.Kill(sig); }
  int port() const { return port_; }
  std::string url(const std::string& stream = "walfs") const;

 private:
  std::string dir_;
  bool appendonly_;
  std::string extra_bind_;
  int port_;
  Process proc_;
};

// A NATS server, or a cluster of them on loopback, with JetStream (each
// on free ports, its store under dir), stopped when destroyed. Waits until
// JetStream answers (a cluster has elected its meta leader).
class NatsCluster {
 public:
  NatsCluster(const std::string& dir, int servers);
  ~NatsCluster();
  // Starts (again) server i, or every one.
  void Start(int i);
  void StartAll();
  // Sends sig to server i and waits for its exit (SIGKILL: a crash).
  void Stop(int i, int sig = 15);
  // Sends sig to server i and does not wait (SIGSTOP freezes it).
  void Signal(int i, int sig) { procs_[i].Kill(sig); }
  int size() const { return static_cast<int>(ports_.size()); }
  int port(int i) const { return ports_[i]; }
  // Every server's address, or one's: "nats://127.0.0.1:P[,127.0.0.1:Q...]"
  // with ?stream=NAME&replicas=R (R: 3 for a cluster, 1 for one server).
  std::string url(const std::string& stream = "walfs") const;
  // Whether every running server says its JetStream is healthy.
  bool Healthy();
  // The index of the server that leads the stream now, or -1 (none, or
  // no answer).
  int StreamLeader(const std::string& stream = "walfs");

 private:
  std::string dir_;
  std::vector<int> ports_, cluster_ports_, http_ports_;
  std::vector<Process> procs_;
};

}  // namespace walfs::testing
