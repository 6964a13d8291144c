// One `walfs serve` on the embedded local log: the default single node, the
// HTTP contract's details, and bad input.
#include <gtest/gtest.h>

#include <filesystem>

#include "http/util.h"
#include "integration/harness.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

class SingleNodeTest : public ::testing::Test {
 protected:
  // Bodies over 8 MiB are refused (413), to show that limit without a
  // terabyte of test data.
  SingleNodeTest()
      : node_(dir_.path() + "/data", "local", "solo", {"--max-file-bytes", "8388608"}) {
    node_.Start();
    EXPECT_TRUE(node_.WaitReady());
  }
  HttpClient Client() { return node_.Client(); }
  TempDir dir_;
  ServeProcess node_;
};

// `walfs serve` with no flags: 127.0.0.1:8080, ./walfs-data, local log;
// data survives a restart; SIGTERM stops it cleanly.
TEST(DefaultNodeTest, ServeWithNoFlagsRunsAnEmbeddedSingleNode) {
  TempDir cwd;
  ASSERT_FALSE(PortAcceptsConnections(8080)) << "port 8080 is taken; the default node needs it";
  {
    Process p({WALFS_BINARY, "serve"}, cwd.path() + "/serve.log", cwd.path());
    ASSERT_TRUE(WaitFor([] { return PortAcceptsConnections(8080); }, 20s));
    HttpClient c("http://127.0.0.1:8080");
    ASSERT_TRUE(WaitFor([&] { return c.Get("/readyz")->status == 200; }, 20s));
    auto w = c.Request("POST", "/v1/fs/notes/today.txt?op=append", "first line\n");
    ASSERT_EQ(w->status, 200);
    EXPECT_TRUE(std::filesystem::exists(cwd.path() + "/walfs-data/store"));
    EXPECT_TRUE(std::filesystem::exists(cwd.path() + "/walfs-data/log/local.log"));
    int st = p.Stop(SIGTERM);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  }
  Process again({WALFS_BINARY, "serve"}, cwd.path() + "/serve.log", cwd.path());
  ASSERT_TRUE(WaitFor([] { return PortAcceptsConnections(8080); }, 20s));
  HttpClient c("http://127.0.0.1:8080");
  auto r = c.Get("/v1/fs/notes/today.txt");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "first line\n");
}

TEST_F(SingleNodeTest, ReadsCarryPositionsEtagsAndRanges) {
  auto c = Client();
  auto w = c.Request("PUT", "/v1/fs/docs/a.txt", "0123456789");
  ASSERT_EQ(w->status, 201);
  json wj = Json(*w);
  EXPECT_EQ(wj["size"], 10);
  EXPECT_EQ(wj["path"], "/docs/a.txt");
  EXPECT_EQ(c.Request("PUT", "/v1/fs/docs/a.txt", "0123456789")->status, 200);  // replaced
  auto r = c.Get("/v1/fs/docs/a.txt");
  EXPECT_EQ(r->status, 200);
  EXPECT_FALSE(r->header("x-walfs-position").empty());
  EXPECT_FALSE(r->header("last-modified").empty());
  std::string etag = r->header("etag");
  auto p = c.Request("GET", "/v1/fs/docs/a.txt", "", {{"Range", "bytes=2-4"}});
  EXPECT_EQ(p->status, 206);
  EXPECT_EQ(p->body, "234");
  EXPECT_EQ(p->header("content-range"), "bytes 2-4/10");
  EXPECT_EQ(c.Request("GET", "/v1/fs/docs/a.txt", "", {{"Range", "bytes=-3"}})->body, "789");
  auto bad = c.Request("GET", "/v1/fs/docs/a.txt", "", {{"Range", "bytes=10-"}});
  EXPECT_EQ(bad->status, 416);
  EXPECT_EQ(Json(*bad)["error"], "invalid_range");
  EXPECT_EQ(c.Get("/v1/fs/docs/a.txt?offset=7")->body, "789");
  EXPECT_EQ(c.Get("/v1/fs/docs/a.txt?offset=1&length=2")->body, "12");
  auto head = c.Request("HEAD", "/v1/fs/docs/a.txt");
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "10");
  EXPECT_EQ(head->header("etag"), etag);
  EXPECT_TRUE(head->body.empty());
  auto stat = Json(*c.Get("/v1/fs/docs/a.txt?stat"));
  EXPECT_EQ(stat["type"], "file");
  EXPECT_EQ("\"" + stat["version"].get<std::string>() + "\"", etag);
  auto dir = Json(*c.Get("/v1/fs/docs"));
  EXPECT_EQ(dir["path"], "/docs");
  EXPECT_EQ(dir["entries"][0]["name"], "a.txt");
  EXPECT_TRUE(dir["next"].is_null());
  EXPECT_EQ(c.Get("/v1/fs/docs/a.txt?list")->status, 409);
  EXPECT_EQ(c.Get("/v1/fs/nothing")->status, 404);
}

TEST_F(SingleNodeTest, ListingPagesAndRecurses) {
  auto c = Client();
  for (const char* p : {"d/c", "d/a", "d/b/x", "d/b/y"}) {
    ASSERT_LT(c.Request("PUT", std::string("/v1/fs/") + p, "x")->status, 300);
  }
  auto page = Json(*c.Get("/v1/fs/d?limit=2"));
  ASSERT_EQ(page["entries"].size(), 2u);
  EXPECT_EQ(page["next"], "b");
  auto rest = Json(*c.Get("/v1/fs/d?limit=2&after=b"));
  ASSERT_EQ(rest["entries"].size(), 1u);
  EXPECT_EQ(rest["entries"][0]["name"], "c");
  auto all = Json(*c.Get("/v1/fs/d?recursive"));
  std::vector<std::string> names;
  for (auto& e : all["entries"]) names.push_back(e["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "b/x", "b/y", "c"}));
}

TEST_F(SingleNodeTest, WritesFollowTheContract) {
  auto c = Client();
  EXPECT_EQ(c.Request("POST", "/v1/fs/f?op=write&offset=3", "xy")->status, 200);
  EXPECT_EQ(c.Get("/v1/fs/f")->body, std::string("\0\0\0xy", 5));
  EXPECT_EQ(c.Request("POST", "/v1/fs/f?op=truncate&size=1")->status, 200);
  EXPECT_EQ(c.Get("/v1/fs/f")->body, std::string("\0", 1));
  EXPECT_EQ(c.Request("POST", "/v1/fs/dir?op=mkdir")->status, 201);
  EXPECT_EQ(c.Request("POST", "/v1/fs/dir?op=mkdir")->status, 200);
  EXPECT_EQ(Json(*c.Request("PUT", "/v1/fs/dir", "x"))["error"], "is_a_directory");
  EXPECT_EQ(Json(*c.Request("PUT", "/v1/fs/f/under", "x"))["error"], "not_a_directory");
  EXPECT_EQ(Json(*c.Request("POST", "/v1/fs/f?op=mkdir"))["error"], "already_exists");
  EXPECT_EQ(c.Request("PUT", "/v1/fs/dir/in", "x")->status, 201);
  EXPECT_EQ(Json(*c.Request("DELETE", "/v1/fs/dir"))["error"], "not_empty");
  EXPECT_EQ(c.Request("POST", "/v1/fs/dir?op=rename&to=/moved")->status, 200);
  EXPECT_EQ(c.Get("/v1/fs/moved/in")->body, "x");
  EXPECT_EQ(Json(*c.Request("POST", "/v1/fs/moved?op=rename&to=/moved/sub"))["error"],
            "bad_request");
  EXPECT_EQ(c.Request("DELETE", "/v1/fs/moved?recursive=true")->status, 200);
  EXPECT_EQ(c.Get("/v1/fs/moved")->status, 404);
  EXPECT_EQ(c.Request("PUT", "/v1/fs/new", "1", {{"If-None-Match", "*"}})->status, 201);
  EXPECT_EQ(c.Request("PUT", "/v1/fs/new", "2", {{"If-None-Match", "*"}})->status, 412);
  EXPECT_EQ(c.Request("POST", "/v1/fs/new?op=append", "2", {{"X-Walfs-If-Size", "1"}})->status,
            200);
  EXPECT_EQ(c.Request("POST", "/v1/fs/new?op=append", "3", {{"X-Walfs-If-Size", "1"}})->status,
            412);
  EXPECT_EQ(c.Get("/v1/fs/new")->body, "12");
  auto logged = c.Request("POST", "/v1/fs/new?op=append&ack=log", "3");
  EXPECT_EQ(logged->status, 202);
  std::string pos = Json(*logged)["position"];
  EXPECT_EQ(c.Get("/v1/fs/new?min_position=" + pos)->body, "123");
}

TEST_F(SingleNodeTest, TransactionsApplyAllOrNothing) {
  auto c = Client();
  std::string ok = R"({"ops":[{"op":"put","path":"/t/a","data":")" + Base64Encode("A") +
                   R"("},{"op":"append","path":"/t/a","data":")" + Base64Encode("B") + R"("}]})";
  auto r = c.Request("POST", "/v1/tx", ok);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Json(*r)["results"][1]["offset"], 1);
  std::string bad = R"({"conditions":[{"path":"/t/a","size":2}],
    "ops":[{"op":"put","path":"/t/b","data":""},{"op":"truncate","path":"/t/none","size":0}]})";
  auto f = c.Request("POST", "/v1/tx", bad);
  EXPECT_EQ(f->status, 404);
  EXPECT_EQ(Json(*f)["failed_index"], 1);
  EXPECT_EQ(c.Get("/v1/fs/t/b")->status, 404);
  std::string cond =
      R"({"conditions":[{"path":"/t/a","size":5}],"ops":[{"op":"mkdir","path":"/z"}]})";
  auto pf = c.Request("POST", "/v1/tx", cond);
  EXPECT_EQ(pf->status, 412);
  EXPECT_EQ(Json(*pf)["failed_condition"], 0);
}

TEST_F(SingleNodeTest, StrongReadsAndTimeouts) {
  auto c = Client();
  ASSERT_EQ(c.Request("PUT", "/v1/fs/s", "v")->status, 201);
  EXPECT_EQ(c.Get("/v1/fs/s?consistency=strong")->body, "v");
  auto t = c.Get("/v1/fs/s?min_position=99999999999999-0&timeout_ms=50");
  EXPECT_EQ(t->status, 504);
  EXPECT_EQ(Json(*t)["error"], "timeout");
}

// Every malformed request gets the contract's JSON error and writes nothing.
TEST_F(SingleNodeTest, BadInputGetsJsonErrorsAndWritesNothing) {
  auto c = Client();
  ASSERT_EQ(c.Request("PUT", "/v1/fs/keep", "k")->status, 201);
  std::string before = c.Get("/v1/fs/keep")->header("x-walfs-position");
  struct Case {
    std::string method, target, body;
    std::map<std::string, std::string> headers;
    int status;
    std::string error;
  };
  std::vector<Case> cases = {
      {"PUT", "/v1/fs/a/../b", "x", {}, 400, "invalid_path"},
      {"PUT", "/v1/fs/a/%2e%2e/b", "x", {}, 400, "invalid_path"},
      {"PUT", "/v1/fs/a//b", "x", {}, 400, "invalid_path"},
      {"PUT", "/v1/fs/a%00b", "x", {}, 400, "invalid_path"},
      {"PUT", "/v1/fs/bad%ff", "x", {}, 400, "invalid_path"},
      {"PUT", "/v1/fs/" + std::string(256, 'n'), "x", {}, 400, "invalid_path"},
      {"POST", "/v1/fs/keep?op=rename&to=/a/./b", "", {}, 400, "invalid_path"},
      {"POST", "/v1/fs/keep?op=explode", "", {}, 400, "bad_request"},
      {"POST", "/v1/fs/keep?op=write&offset=x", "y", {}, 400, "bad_request"},
      {"POST", "/v1/tx", "{not json", {}, 400, "bad_request"},
      {"POST", "/v1/tx", R"({"ops":[{"op":"nuke","path":"/keep"}]})", {}, 400, "bad_request"},
      {"POST",
       "/v1/tx",
       R"({"ops":[{"op":"put","path":"/x","data":"%%%"}]})",
       {},
       400,
       "bad_request"},
      {"PUT", "/v1/fs/keep", "x", {{"If-Match", "no-quotes"}}, 400, "bad_request"},
      {"PUT", "/v1/fs/keep", "x", {{"Idempotency-Key", std::string(200, 'k')}}, 400, "bad_request"},
      {"PUT", "/v1/fs/big", std::string((8 << 20) + 1, 'b'), {}, 413, "too_large"},
      {"GET", "/v1/fs/keep?limit=0&list", "", {}, 400, "bad_request"},
      {"GET", "/v1/fs/keep", "", {{"Range", "bytes=5-1"}}, 416, "invalid_range"},
      {"GET", "/nowhere", "", {}, 404, "not_found"},
  };
  for (const auto& k : cases) {
    HttpClient fresh = Client();  // a 413 closes its connection
    auto r = fresh.Request(k.method, k.target, k.body, k.headers);
    ASSERT_TRUE(r.ok()) << k.target << ": " << r.status().ToString();
    EXPECT_EQ(r->status, k.status) << k.method << " " << k.target.substr(0, 60);
    json j = Json(*r);
    ASSERT_TRUE(j.is_object()) << k.target.substr(0, 60) << ": " << r->body;
    EXPECT_EQ(j["error"], k.error) << k.target.substr(0, 60);
    EXPECT_FALSE(j.value("message", "").empty());
  }
  auto after = c.Get("/v1/fs/keep");
  EXPECT_EQ(after->body, "k");
  EXPECT_EQ(after->header("x-walfs-position"), before);  // the log did not move
  auto root = Json(*c.Get("/v1/fs/"));
  EXPECT_EQ(root["entries"].size(), 1u);
}

TEST_F(SingleNodeTest, LargeFilesStreamAndAppendsStayCorrect) {
  auto c = Client();
  std::string chunk(1 << 20, 'q');
  for (int i = 0; i < 6; ++i) {
    chunk[0] = static_cast<char>('a' + i);
    auto r = c.Request("POST", "/v1/fs/big?op=append", chunk);
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(Json(*r)["offset"], uint64_t(i) << 20);
  }
  auto r = c.Get("/v1/fs/big");
  ASSERT_EQ(r->body.size(), 6u << 20);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(r->body[size_t(i) << 20], 'a' + i);
  auto tail = c.Request("GET", "/v1/fs/big", "", {{"Range", "bytes=-2"}});
  EXPECT_EQ(tail->body, "qq");
}

// Connects to 127.0.0.1:port, sends `bytes`, and returns how long the
// server took to close the connection (about 10 if it never did).
double SecondsUntilClosed(int port, const std::string& bytes) {
  auto t0 = std::chrono::steady_clock::now();
  RawExchange(port, bytes);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Clients that stall are cut off: an idle kept-alive connection after
// --idle-timeout-ms, a request that stops half way after --io-timeout-ms;
// a request waiting for a position is not (its own timeout_ms applies).
TEST(TimeoutTest, StalledClientsAreCutOffButWaitsForAPositionAreNot) {
  TempDir dir;
  ServeProcess node(dir.path() + "/data", "local", "t",
                    {"--idle-timeout-ms", "1000", "--io-timeout-ms", "1000"});
  node.Start();
  ASSERT_TRUE(node.WaitReady());
  double idle = SecondsUntilClosed(node.port(), "");
  EXPECT_GE(idle, 0.9);
  EXPECT_LE(idle, 5.0);
  double half_header = SecondsUntilClosed(node.port(), "GET /v1/fs/x HTTP/1.1\r\nHost: t\r\n");
  EXPECT_GE(half_header, 0.9);
  EXPECT_LE(half_header, 5.0);
  double half_body = SecondsUntilClosed(
      node.port(), "PUT /v1/fs/x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc");
  EXPECT_GE(half_body, 0.9);
  EXPECT_LE(half_body, 5.0);
  HttpClient c = node.Client();
  auto started = std::chrono::steady_clock::now();
  auto r = c.Get("/v1/fs/x?min_position=99999999999999-0&timeout_ms=2500");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 504);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 2400ms);
  EXPECT_EQ(c.Get("/v1/fs/x")->status, 404);  // and the connection still serves
}

}  // namespace
}  // namespace walfs::testing
