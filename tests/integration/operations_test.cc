// The cluster view, divergence detection and metrics, against real processes.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <regex>
#include <thread>

#include "integration/harness.h"
#include "schema/schema.h"
#include "store/rocks_store.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

json FindReplica(const json& cluster, const std::string& id) {
  if (!cluster.is_object() || !cluster["replicas"].is_array()) return json();
  for (const auto& r : cluster["replicas"]) {
    if (r["id"] == id) return r;
  }
  return json();
}

TEST(OperationsTest, ClusterViewShowsKilledReplicasLeavingAndLagWhileCatchingUp) {
  Cluster c(3, false, {"--heartbeat-ms", "100"});
  HttpClient a = c.node(0).Client();
  ASSERT_TRUE(WaitFor([&] { return Json(*a.Get("/v1/cluster"))["replicas"].size() == 3; }, 10s));
  auto view = Json(*a.Get("/v1/cluster"));
  EXPECT_EQ(view["self"], "r0");
  EXPECT_EQ(FindReplica(view, "r1")["address"], c.node(1).url());
  c.node(1).Kill(9);
  ASSERT_TRUE(
      WaitFor([&] { return FindReplica(Json(*a.Get("/v1/cluster")), "r1").is_null(); }, 10s));
  // Entries the killed replica misses.
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&] {
      HttpClient h = c.node(0).Client();
      for (int i = 0; i < 600; ++i) {
        auto r = h.Request("POST", "/v1/fs/lag?op=append&ack=log", "x");
        EXPECT_TRUE(r.ok() && r->status == 202);
      }
    });
  }
  for (auto& t : ts) t.join();
  c.node(1).Start();
  uint64_t max_lag = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        json r1 = FindReplica(Json(*a.Get("/v1/cluster")), "r1");
        if (r1.is_null()) return false;
        max_lag = std::max<uint64_t>(max_lag, r1["lag_entries"].get<uint64_t>());
        return r1["lag_entries"] == 0 &&
               r1["applied"] == FindReplica(Json(*a.Get("/v1/cluster")), "r0")["applied"];
      },
      20s));
  EXPECT_GT(max_lag, 0u) << "the restarted replica was never seen behind";
  auto log = Json(*a.Get("/v1/cluster"))["log"];
  EXPECT_EQ(log["entries_added"], 4800);
}

TEST(OperationsTest, AReplicaWithADifferentDigestIsReportedDiverged) {
  Cluster c(3, false, {"--heartbeat-ms", "100"});
  HttpClient a = c.node(0).Client();
  ASSERT_EQ(a.Request("PUT", "/v1/fs/x", "1")->status, 201);
  c.node(2).Stop();
  {
    auto store = RocksStore::Open(c.dir() + "/r2/store");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Overlay o(&(*store)->live());
    o.Put(keys::Meta(keys::kDigest), std::string(16, '\x42'));
    ASSERT_TRUE((*store)->Commit(o).ok());
  }
  c.node(2).Start();
  ASSERT_EQ(a.Request("PUT", "/v1/fs/x", "2")->status, 200);  // all three reach one position
  HttpClient bad = c.node(2).Client();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = bad.Get("/readyz");
        return r->status == 503 &&
               Json(*r)["message"].get<std::string>().find("diverged") != std::string::npos;
      },
      10s));
  // Once all three are at one position: r2 alone is marked.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto view = Json(*a.Get("/v1/cluster"));
        return FindReplica(view, "r2")["diverged"] == true &&
               FindReplica(view, "r0")["diverged"] == false &&
               FindReplica(view, "r1")["diverged"] == false;
      },
      10s));
  EXPECT_EQ(a.Get("/readyz")->status, 200);
  EXPECT_NE(bad.Get("/metrics")->body.find("walfs_diverged 1"), std::string::npos);
}

// Parses the exposition with an independent parser (python3-prometheus-client).
bool ParsesAsPrometheusText(const std::string& text, const std::string& dir) {
  std::string path = dir + "/metrics.txt";
  std::ofstream(path) << text;
  std::string cmd =
      "/usr/bin/python3 -c \"import sys; from prometheus_client.parser import "
      "text_string_to_metric_families as p; "
      "n = sum(1 for f in p(open(sys.argv[1]).read()) for s in f.samples); "
      "sys.exit(0 if n > 0 else 1)\" " +
      path;
  return std::system(cmd.c_str()) == 0;
}

double Sample(const std::string& text, const std::string& line_prefix) {
  auto at = text.find("\n" + line_prefix);
  if (at == std::string::npos) return -1;
  auto end = text.find('\n', at + 1);
  std::string line = text.substr(at + 1, end - at - 1);
  return std::stod(line.substr(line.rfind(' ') + 1));
}

// The Grafana dashboard (deploy/grafana/walfs.json) queries only metrics,
// and labels of them, that a replica exports once it has served some
// traffic, and has a panel for each thing an operator watches.
TEST(OperationsTest, EveryMetricTheDashboardQueriesIsExported) {
  std::ifstream f(std::string(WALFS_SOURCE_DIR) + "/deploy/grafana/walfs.json");
  json dash = json::parse(f, nullptr, false);
  ASSERT_TRUE(dash.is_object()) << "deploy/grafana/walfs.json does not parse";
  std::vector<std::string> exprs;
  std::string titles;
  for (const auto& p : dash["panels"]) {
    titles += p.value("title", "") + "\n";
    for (const auto& t : p["targets"]) exprs.push_back(t.value("expr", ""));
  }
  for (const auto& v : dash["templating"]["list"]) {
    if (v.contains("definition")) exprs.push_back(v.value("definition", ""));
  }
  ASSERT_GE(exprs.size(), 20u);
  for (const char* want : {"Writes per second", "Reads per second", "Write latency", "Read latency",
                           "Apply lag per replica", "Log size", "Snapshots", "Errors by code"}) {
    EXPECT_NE(titles.find(want), std::string::npos) << "no panel titled " << want;
  }
  // Traffic that makes every family appear: writes, reads, an error, a snapshot.
  TempDir backup;
  Cluster c(1, false, {"--backup", "dir://" + backup.path()});
  HttpClient a = c.node(0).Client();
  ASSERT_EQ(a.Request("POST", "/v1/fs/d/log?op=append", "x")->status, 200);
  ASSERT_EQ(a.Get("/v1/fs/d/log")->status, 200);
  ASSERT_EQ(a.Get("/v1/fs/missing")->status, 404);
  ASSERT_EQ(a.Request("POST", "/v1/uploads", R"({"path":"/big","op":"put"})")->status, 201);
  ASSERT_EQ(a.Request("POST", "/v1/admin/snapshots")->status, 201);
  std::string metrics = "\n" + a.Get("/metrics")->body;
  std::regex series(R"((walfs_[a-z_]+)(\{([^}]*)\})?)");
  std::regex matcher(R"(([a-z_]+)\s*(=~|!=|=))");
  size_t checked = 0;
  for (const auto& e : exprs) {
    for (std::sregex_iterator it(e.begin(), e.end(), series), end; it != end; ++it) {
      const std::string name = (*it)[1];
      ++checked;
      bool exported = metrics.find("\n" + name + "{") != std::string::npos ||
                      metrics.find("\n" + name + " ") != std::string::npos;
      EXPECT_TRUE(exported) << name << " (in " << e << ") is not in /metrics";
      const std::string labels = (*it)[3];
      for (std::sregex_iterator m(labels.begin(), labels.end(), matcher); m != end; ++m) {
        const std::string label = (*m)[1];
        if (label == "instance") continue;  // Prometheus's own
        bool has = false;
        for (size_t at = metrics.find("\n" + name + "{"); at != std::string::npos && !has;
             at = metrics.find("\n" + name + "{", at + 1)) {
          std::string line = metrics.substr(at + 1, metrics.find('}', at) - at);
          has = line.find("{" + label + "=") != std::string::npos ||
                line.find("," + label + "=") != std::string::npos;
        }
        EXPECT_TRUE(has) << name << " has no label " << label << " (in " << e << ")";
      }
    }
  }
  EXPECT_GE(checked, exprs.size());
}

TEST(OperationsTest, MetricsParseAndMoveWithTraffic) {
  Cluster c(1);
  HttpClient a = c.node(0).Client();
  std::string before = a.Get("/metrics")->body;
  ASSERT_TRUE(ParsesAsPrometheusText(before, c.dir()));
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(a.Request("POST", "/v1/fs/m?op=append", "12345")->status, 200);
  ASSERT_EQ(a.Get("/v1/fs/m")->status, 200);
  ASSERT_EQ(a.Get("/v1/fs/nope")->status, 404);
  // Methods outside the API share one label: clients cannot grow the label sets.
  for (const char* m : {"FOOBAR", "BAZQUX"}) {
    std::string answer =
        RawExchange(c.node(0).port(), std::string(m) +
                                          " /v1/fs/m HTTP/1.1\r\nHost: t\r\n"
                                          "Connection: close\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 405") << answer;
  }
  // The cluster agent sets the stored and applied figures one after another
  // while a scrape reads them one after another: a scrape may catch some
  // set and others not yet, so the wait is for all of them in one scrape.
  std::string after;
  ASSERT_TRUE(WaitFor(
      [&] {
        after = a.Get("/metrics")->body;
        return Sample(after, "walfs_bytes ") == 50 && Sample(after, "walfs_files ") == 1 &&
               Sample(after, "walfs_applied_entries_total ") >= 10;
      },
      10s))
      << after;
  EXPECT_TRUE(ParsesAsPrometheusText(after, c.dir()));
  EXPECT_EQ(
      Sample(after, "walfs_http_requests_total{method=\"POST\",route=\"fs_write\",status=\"200\"}"),
      10);
  EXPECT_EQ(
      Sample(after, "walfs_http_requests_total{method=\"GET\",route=\"fs_read\",status=\"404\"}"),
      1);
  EXPECT_EQ(Sample(after,
                   "walfs_http_requests_total{method=\"other\",route=\"fs_write\",status=\"405\"}"),
            2);
  EXPECT_EQ(after.find("FOOBAR"), std::string::npos);
  EXPECT_EQ(Sample(after, "walfs_files "), 1);
  EXPECT_GE(Sample(after, "walfs_applied_entries_total "), 10);
  EXPECT_EQ(Sample(after, "walfs_write_seconds_count{ack=\"applied\"}"), 10);
  EXPECT_GE(Sample(after, "walfs_apply_batch_entries_sum "), 10);
}

TEST(OperationsTest, StatusCommandPrintsTheCluster) {
  Cluster c(2, false, {"--heartbeat-ms", "100"});
  ASSERT_TRUE(WaitFor(
      [&] { return Json(*c.node(0).Client().Get("/v1/cluster"))["replicas"].size() == 2; }, 10s));
  std::string out = c.dir() + "/status.txt";
  std::string cmd = std::string(WALFS_BINARY) + " --server " + c.node(0).url() + " status > " + out;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream f(out);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("r0 *"), std::string::npos) << text;
  EXPECT_NE(text.find("r1"), std::string::npos) << text;
  EXPECT_NE(text.find(c.node(1).url()), std::string::npos) << text;
}

}  // namespace
}  // namespace walfs::testing
