// The v1 API in process: Api::Handle over a real ServerNode (an in-memory
// log, a RocksDB store in a temporary directory), with no socket. Each
// route's answers, errors and limits, and, through a node whose reported
// state the test steers, what a stopped, paused, lagging, diverged or
// unreachable replica answers, which real processes reach only with faults.
#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>
#include <optional>

#include "http/api.h"
#include "node/server_node.h"
#include "support/process.h"

namespace walfs {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

// A NodePort that passes everything to a real node, except what the test
// steers: the state it reports, and whether the proposer takes more.
class SteeredNode : public NodePort {
 public:
  explicit SteeredNode(ServerNode* real) : real_(real) {}

  std::optional<NodeState> state;  // reported instead of the real one
  Status stopped_override;         // non-ok: stopped() answers it
  bool proposer_full = false;

  const ServerOptions& options() const override { return real_->options(); }
  const std::string& log_description() const override { return real_->log_description(); }
  std::shared_ptr<const StoreReader> ReadSnapshot() override { return real_->ReadSnapshot(); }
  uint32_t block_bytes() const override { return real_->block_bytes(); }
  bool Propose(std::string entry, PositionDone done) override {
    return !proposer_full && real_->Propose(std::move(entry), std::move(done));
  }
  bool AskTail(PositionDone done) override {
    return !proposer_full && real_->AskTail(std::move(done));
  }
  Position applied() const override { return real_->applied(); }
  uint64_t OnApplied(Position p, std::function<void()> cb) override {
    return real_->OnApplied(p, std::move(cb));
  }
  void CancelWait(uint64_t id) override { real_->CancelWait(id); }
  Status stopped() const override {
    return stopped_override.ok() ? real_->stopped() : stopped_override;
  }
  std::optional<Outcome> TakeOutcome(Position p) override { return real_->TakeOutcome(p); }
  NodeState State() const override { return state ? *state : real_->State(); }
  ClusterView Cluster() const override { return real_->Cluster(); }
  Result<std::vector<SnapshotManifest>> ListSnapshots() override { return real_->ListSnapshots(); }
  void RequestSnapshot(SnapshotDone done) override { real_->RequestSnapshot(std::move(done)); }
  Metrics& metrics() override { return real_->metrics(); }

 private:
  ServerNode* real_;
};

struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  json Json() const { return json::parse(body); }
  std::string header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() ? "" : it->second;
  }
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.data_dir = dir_.path();
    o.log_url = "memory";
    o.replica_id = "r1";
    o.entry_bytes_max = 1024;
    o.store_reserve_bytes = 0;
    o.apply_block_ms = 20;  // Stop() waits out one blocked read
    auto n = ServerNode::Open(o);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    real_ = std::move(n).value();
    node_ = std::make_unique<SteeredNode>(real_.get());
    api_ = std::make_unique<Api>(node_.get());
  }
  void TearDown() override {
    api_.reset();
    node_.reset();
    real_.reset();
  }

  Answer Call(std::string method, std::string target, std::string body = "",
              std::map<std::string, std::string> headers = {}) {
    HttpRequest req;
    req.method = std::move(method);
    req.target = std::move(target);
    for (auto& [k, v] : headers) req.headers[k] = v;
    req.body = std::move(body);
    asio::io_context io;
    auto fut = asio::co_spawn(io, api_->Handle(std::move(req)), asio::use_future);
    io.run();
    HttpResponse r = fut.get();
    Answer a;
    a.status = r.status;
    for (auto& [k, v] : r.headers) a.headers[k] = v;
    a.body = r.body;
    if (r.stream) {
      std::string chunk;
      while (r.stream->length > 0) {
        EXPECT_TRUE(Api::NextChunk(&*r.stream, 1000, &chunk).ok());
        a.body += chunk;
      }
    }
    return a;
  }

  testing::TempDir dir_;
  std::unique_ptr<ServerNode> real_;
  std::unique_ptr<SteeredNode> node_;
  std::unique_ptr<Api> api_;
};

TEST_F(ApiTest, WritesReadsAndAppendsAnswerAsTheContractSays) {
  Answer put = Call("PUT", "/v1/fs/a/b.txt", "hello");
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_FALSE(put.Json()["position"].get<std::string>().empty());
  Answer app = Call("POST", "/v1/fs/a/b.txt?op=append", " world");
  ASSERT_EQ(app.status, 200) << app.body;
  EXPECT_EQ(app.Json()["offset"], 5);
  Answer get = Call("GET", "/v1/fs/a/b.txt");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, "hello world");
  EXPECT_FALSE(get.header("ETag").empty());
  EXPECT_EQ(get.header("X-Walfs-Stale"), "");
  Answer range = Call("GET", "/v1/fs/a/b.txt", "", {{"range", "bytes=6-"}});
  EXPECT_EQ(range.status, 206);
  EXPECT_EQ(range.body, "world");
  Answer cond = Call("GET", "/v1/fs/a/b.txt", "", {{"if-none-match", get.header("ETag")}});
  EXPECT_EQ(cond.status, 304);
  Answer list = Call("GET", "/v1/fs/a/");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.Json()["entries"][0]["name"], "b.txt");
}

TEST_F(ApiTest, EveryRouteRefusesBadInputWithTheContractsErrors) {
  struct Case {
    const char* method;
    const char* target;
    std::string body;
    std::map<std::string, std::string> headers;
    int status;
    const char* error;
  };
  std::vector<Case> cases = {
      {"GET", "/v1/fs/missing", "", {}, 404, "not_found"},
      {"GET", "/v1/fs/a/../b", "", {}, 400, "invalid_path"},
      {"PUT", "/v1/fs/x", std::string(2000, 'x'), {}, 413, "too_large"},
      {"POST", "/v1/fs/x?op=append", std::string(1025, 'x'), {}, 413, "too_large"},
      {"PUT", "/v1/fs/x?op=append", "x", {}, 400, "bad_request"},
      {"DELETE", "/v1/fs/missing", "", {}, 404, "not_found"},
      {"PUT", "/v1/fs/x", "x", {{"if-match", "\"0-1\""}}, 412, "precondition_failed"},
      {"GET", "/v1/fs/x?timeout_ms=-1", "", {}, 400, "bad_request"},
      {"GET", "/v1/fs/x?min_position=nonsense", "", {}, 400, "bad_request"},
      {"POST", "/v1/tx", "{", {}, 400, "bad_request"},
      {"POST", "/v1/tx", R"({"ops":[{"op":"put","path":"rel"}]})", {}, 400, "bad_request"},
      {"PATCH", "/v1/fs/x", "", {}, 405, "method_not_allowed"},
      {"POST", "/readyz", "", {}, 405, "method_not_allowed"},
      {"GET", "/v2/fs/x", "", {}, 404, "not_found"},
      {"GET", "/v1/admin/snapshots", "", {}, 404, "not_found"},
      {"POST", "/v1/admin/snapshots", "", {}, 404, "not_found"},
      {"PUT", "/v1/fs/x", "x", {{"idempotency-key", ""}}, 400, "bad_request"},
  };
  for (const auto& c : cases) {
    Answer a = Call(c.method, c.target, c.body, c.headers);
    SCOPED_TRACE(std::string(c.method) + " " + c.target);
    EXPECT_EQ(a.status, c.status) << a.body;
    json j = json::parse(a.body, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(j.is_object()) << a.body;
    EXPECT_EQ(j.value("error", ""), c.error) << a.body;
    EXPECT_FALSE(j.value("message", "").empty()) << a.body;
    if (a.status == 405) {
      EXPECT_FALSE(a.header("Allow").empty());
    }
  }
  // None of them changed anything.
  EXPECT_EQ(Call("GET", "/v1/fs/x").status, 404);
}

TEST_F(ApiTest, ReadyzAndStaleMarksFollowTheNodesState) {
  Answer ok = Call("GET", "/readyz");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Json()["status"], "ready");
  ASSERT_EQ(Call("PUT", "/v1/fs/f", "x").status, 201);

  struct Case {
    const char* what;
    std::function<void(NodeState*)> steer;
    const char* stale;
    const char* says;
  };
  std::vector<Case> cases = {
      {"stopped", [](NodeState* s) { s->applier.stopped = Status(Code::kCorruption, "fork"); },
       "stopped", "the applier stopped: fork"},
      {"paused", [](NodeState* s) { s->applier.paused = Status(Code::kIoError, "disk full"); },
       "paused", "the applier is paused, retrying: disk full"},
      {"log", [](NodeState* s) { s->applier.log_status = Status(Code::kLogUnavailable, "down"); },
       "log_unreachable", "the log is unreachable: down"},
      {"lagging", [](NodeState* s) { s->applier.lag_ms = 1000000; }, "lagging",
       "ms behind the log"},
      {"diverged", [](NodeState* s) { s->diverged = Status(Code::kCorruption, "diverged: x"); }, "",
       "diverged: x"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    NodeState s = real_->State();
    c.steer(&s);
    node_->state = s;
    Answer r = Call("GET", "/readyz");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.Json()["error"], "not_ready");
    EXPECT_NE(r.Json()["message"].get<std::string>().find(c.says), std::string::npos) << r.body;
    Answer read = Call("GET", "/v1/fs/f");
    EXPECT_EQ(read.status, 200);
    EXPECT_EQ(read.body, "x");
    EXPECT_EQ(read.header("X-Walfs-Stale"), c.stale);
  }
}

TEST_F(ApiTest, WritesAreRefusedAtOnceWhenTheyCannotBeApplied) {
  // The log unreachable: 503 log_unavailable, nothing proposed.
  NodeState s = real_->State();
  s.applier.log_status = Status(Code::kLogUnavailable, "connection refused");
  node_->state = s;
  Answer a = Call("PUT", "/v1/fs/f", "x");
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(a.Json()["error"], "log_unavailable");
  node_->state.reset();
  // The applier stopped: 503 not_ready.
  node_->stopped_override = Status(Code::kCorruption, "the log went backwards");
  a = Call("POST", "/v1/fs/f?op=append", "x");
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(a.Json()["error"], "not_ready");
  node_->stopped_override = Status::Ok();
  // Too many writes waiting for the log: 503, and strong reads too.
  node_->proposer_full = true;
  a = Call("PUT", "/v1/fs/f", "x");
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(a.Json()["error"], "not_ready");
  a = Call("GET", "/v1/fs/f?consistency=strong");
  EXPECT_EQ(a.status, 503) << a.body;
  node_->proposer_full = false;
  EXPECT_EQ(Call("GET", "/v1/fs/f").status, 404);  // nothing was written
}

TEST_F(ApiTest, WaitsForPositionsEndInTimeWithTheContractsAnswer) {
  Answer put = Call("PUT", "/v1/fs/f", "x");
  ASSERT_EQ(put.status, 201);
  Position p = *Position::Parse(put.Json()["position"].get<std::string>());
  Answer now = Call("GET", "/v1/fs/f?min_position=" + p.ToString());
  EXPECT_EQ(now.status, 200);
  Position ahead{p.ms + 1000000, 0};
  Answer later = Call("GET", "/v1/fs/f?min_position=" + ahead.ToString() + "&timeout_ms=50");
  EXPECT_EQ(later.status, 504) << later.body;
  EXPECT_EQ(later.Json()["error"], "timeout");
  Answer strong = Call("GET", "/v1/fs/f?consistency=strong");
  EXPECT_EQ(strong.status, 200) << strong.body;
  EXPECT_EQ(strong.body, "x");
}

TEST_F(ApiTest, AdminRoutesAnswerFromTheNode) {
  Answer c = Call("GET", "/v1/cluster");
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.Json()["self"], "r1");
  Answer m = Call("GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("walfs_"), std::string::npos);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace walfs
