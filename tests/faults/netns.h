// A network namespace for the partition scenarios (make faults; needs
// root): joined to this one by two veth links, each a /30 whose side here
// holds .1 and whose side in the namespace holds .2. A link taken down cuts
// everything that crosses it, both ways, as a partition does.
#pragma once

#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "support/process.h"

namespace walfs::testing {

inline void RunOrThrow(const std::vector<std::string>& argv) {
  Process p(argv);
  int st = p.Wait(std::chrono::seconds(10));
  if (st != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    throw std::runtime_error("failed (" + std::to_string(st) + "): " + cmd);
  }
}

// A network namespace joined to this one by two veth links: "client"
// (10.N.1.0/30) and "log" (10.N.2.0/30); this side holds .1, the
// namespace .2.
class Namespace {
 public:
  Namespace() {
    int tag = static_cast<int>(::getpid() % 100000);
    name_ = "walfs-test-" + std::to_string(tag);
    net_ = "10." + std::to_string(100 + tag % 100) + ".";
    RunOrThrow({"ip", "netns", "add", name_});
    RunOrThrow({"ip", "-n", name_, "link", "set", "lo", "up"});
    for (int link = 1; link <= 2; ++link) {
      std::string outer = Outer(link),
                  inner = "wt" + std::to_string(tag) + "i" + std::to_string(link);
      RunOrThrow({"ip", "link", "add", outer, "type", "veth", "peer", "name", inner});
      RunOrThrow({"ip", "link", "set", inner, "netns", name_});
      RunOrThrow({"ip", "addr", "add", Address(link, 1) + "/30", "dev", outer});
      RunOrThrow({"ip", "-n", name_, "addr", "add", Address(link, 2) + "/30", "dev", inner});
      RunOrThrow({"ip", "link", "set", outer, "up"});
      RunOrThrow({"ip", "-n", name_, "link", "set", inner, "up"});
    }
  }
  ~Namespace() {
    for (int link = 1; link <= 2; ++link) {
      Process p({"ip", "link", "del", Outer(link)});
      p.Wait(std::chrono::seconds(10));
    }
    Process p({"ip", "netns", "del", name_});
    p.Wait(std::chrono::seconds(10));
  }
  const std::string& name() const { return name_; }
  // link 1: clients, link 2: the log. side 1: here, side 2: the namespace.
  std::string Address(int link, int side) const {
    return net_ + std::to_string(link) + "." + std::to_string(side);
  }
  void SetLink(int link, bool up) {
    RunOrThrow({"ip", "link", "set", Outer(link), up ? "up" : "down"});
  }

 private:
  std::string Outer(int link) const {
    return "wt" + std::to_string(::getpid() % 100000) + "o" + std::to_string(link);
  }
  std::string name_, net_;
};

}  // namespace walfs::testing
