// The load balancer configurations operations.md gives
// (deploy/nginx/walfs.conf, deploy/haproxy/walfs.cfg), run with Debian's
// nginx and HAProxy in front of three real replicas: writes go on through a
// replica's death with nothing lost, and HAProxy keeps a replica that is not
// ready (/readyz 503) out of rotation.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "integration/harness.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

std::string ReadText(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size())) {
    s->replace(at, from.size(), to);
  }
}

// A config of deploy/ with this test's addresses: the three replicas'
// ports and the balancer's.
std::string Deployed(const std::string& file, const std::vector<int>& replicas, int port) {
  std::string text = ReadText(std::string(WALFS_SOURCE_DIR) + "/deploy/" + file);
  EXPECT_FALSE(text.empty()) << file;
  for (size_t i = 0; i < replicas.size(); ++i) {
    ReplaceAll(&text, "127.0.0.1:808" + std::to_string(i + 1),
               "127.0.0.1:" + std::to_string(replicas[i]));
  }
  ReplaceAll(&text, "listen 8080;", "listen 127.0.0.1:" + std::to_string(port) + ";");
  ReplaceAll(&text, "bind :8080", "bind 127.0.0.1:" + std::to_string(port));
  return text;
}

// nginx or HAProxy on a free port, in front of three replicas (ports),
// its files under dir.
class Balancer {
 public:
  Balancer(const std::string& kind, const std::string& dir, const std::vector<int>& replicas)
      : port_(FreePort()) {
    const std::string d = dir + "/" + kind;
    std::filesystem::create_directories(d);
    std::vector<std::string> argv;
    if (kind == "nginx") {
      std::ofstream(d + "/walfs.conf") << Deployed("nginx/walfs.conf", replicas, port_);
      std::ofstream(d + "/nginx.conf")
          << "daemon off; pid " << d << "/nginx.pid; error_log " << d << "/error.log;\n"
          << "events { worker_connections 1024; }\n"
          << "http { access_log off; client_body_temp_path " << d << "/body; proxy_temp_path " << d
          << "/proxy; fastcgi_temp_path " << d << "/f; uwsgi_temp_path " << d
          << "/u; scgi_temp_path " << d << "/s; include " << d << "/walfs.conf; }\n";
      argv = {"nginx", "-c", d + "/nginx.conf", "-p", d};
    } else {
      std::ofstream(d + "/haproxy.cfg") << Deployed("haproxy/walfs.cfg", replicas, port_);
      argv = {"haproxy", "-db", "-f", d + "/haproxy.cfg"};
    }
    proc_ = Process(argv, d + "/out.log");
    if (!WaitFor([&] { return PortAcceptsConnections(port_) || !proc_.running(); }, 20s) ||
        !proc_.running()) {
      throw std::runtime_error(kind + " did not start: " + ReadText(d + "/out.log"));
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  Process proc_;
};

// Appends "rec <i>\n" for i in [from, to) through url, each with its own
// Idempotency-Key, retrying what failed (no answer, 5xx) as a client
// should; returns the tries past the first, or -1 if a record was never
// acknowledged within 30 s.
int AppendRecords(const std::string& url, int from, int to, const std::function<void(int)>& at) {
  int retries = 0;
  HttpClient c(url, 5000);
  for (int i = from; i < to; ++i) {
    at(i);
    auto deadline = std::chrono::steady_clock::now() + 30s;
    for (int tries = 0;; ++tries) {
      auto r = c.Request("POST", "/v1/fs/lb.log?op=append", "rec " + std::to_string(i) + "\n",
                         {{"Idempotency-Key", "rec-" + std::to_string(i)}});
      if (r.ok() && r->status == 200) break;
      if (std::chrono::steady_clock::now() > deadline) return -1;
      if (r.ok() && r->status < 500) {
        ADD_FAILURE() << "append " << i << ": " << r->status << " " << r->body;
        return -1;
      }
      ++retries;
      if (!r.ok()) c = HttpClient(url, 5000);  // a fresh connection
    }
  }
  return retries;
}

std::string Records(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "rec " + std::to_string(i) + "\n";
  return s;
}

class LoadBalancerTest : public ::testing::TestWithParam<std::string> {};

// A replica killed in the middle of the writes: the load balancer moves
// on to the others, every write is acknowledged, and the file holds each
// exactly once, in order (a retried write keeps its Idempotency-Key).
TEST_P(LoadBalancerTest, WritesGoOnThroughAReplicasDeathWithNothingLost) {
  Cluster c(3);
  Balancer lb(GetParam(), c.dir(), {c.node(0).port(), c.node(1).port(), c.node(2).port()});
  constexpr int kRecords = 300;
  int retries = AppendRecords(lb.url(), 0, kRecords, [&](int i) {
    if (i == kRecords / 3) c.node(1).Kill(SIGKILL);
  });
  ASSERT_GE(retries, 0) << "a write was never acknowledged";
  HttpClient a = c.node(0).Client();
  EXPECT_EQ(StrongRead(a, "/lb.log"), Records(kRecords));
  HttpClient b = c.node(2).Client();
  EXPECT_EQ(StrongRead(b, "/lb.log"), Records(kRecords));
  // Reads through the balancer go on too.
  HttpClient via(lb.url(), 5000);
  for (int i = 0; i < 10; ++i) {
    auto r = via.Get("/v1/fs/lb.log?consistency=strong");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->status, 200);
  }
  std::cout << GetParam() << ": " << retries << " retries over " << kRecords << " appends\n";
}

INSTANTIATE_TEST_SUITE_P(Balancers, LoadBalancerTest, ::testing::Values("nginx", "haproxy"),
                         [](const auto& info) { return info.param; });

// HAProxy's check of /readyz keeps a replica out while it is not ready: a
// replica whose applier is paused (its disk below --store-reserve-mib)
// answers writes 503, and none of the writes through HAProxy reaches it.
TEST(LoadBalancerHealthTest, HaproxyKeepsAReplicaThatIsNotReadyOutOfRotation) {
  Cluster c(2);
  ServeProcess late(c.dir() + "/late", c.redis().url(), "late",
                    {"--store-reserve-mib", "1073741824"});
  late.Start();
  HttpClient direct = late.Client();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = direct.Request("POST", "/v1/fs/direct?op=append", "x");
        return r.ok() && r->status == 503;
      },
      20s))
      << "the paused replica should refuse writes";
  Balancer lb("haproxy", c.dir(), {c.node(0).port(), c.node(1).port(), late.port()});
  // Until its checks fail twice (about 2 s), the paused replica is in
  // rotation: wait until 12 /readyz in a row through HAProxy are 200.
  HttpClient via(lb.url(), 5000);
  int ready_in_a_row = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = via.Get("/readyz");
        ready_in_a_row = r.ok() && r->status == 200 ? ready_in_a_row + 1 : 0;
        return ready_in_a_row >= 12;
      },
      20s));
  for (int i = 0; i < 60; ++i) {
    auto r = via.Request("POST", "/v1/fs/ready.log?op=append", "rec " + std::to_string(i) + "\n");
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->status, 200) << "append " << i << " reached the paused replica: " << r->body;
  }
  HttpClient a = c.node(0).Client();
  EXPECT_EQ(StrongRead(a, "/ready.log"), Records(60));
}

}  // namespace
}  // namespace walfs::testing

namespace walfs::testing {
namespace {

// operations.md shows the configurations these tests run, word for word.
TEST(LoadBalancerDocsTest, OperationsShowsTheTestedConfigurations) {
  std::string docs = ReadText(std::string(WALFS_SOURCE_DIR) + "/docs/operations.md");
  for (const char* file : {"nginx/walfs.conf", "haproxy/walfs.cfg"}) {
    std::string text = ReadText(std::string(WALFS_SOURCE_DIR) + "/deploy/" + file);
    ASSERT_FALSE(text.empty()) << file;
    EXPECT_NE(docs.find(text), std::string::npos) << "docs/operations.md lacks deploy/" << file;
  }
}

}  // namespace
}  // namespace walfs::testing
