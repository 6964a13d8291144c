// The defects found when walfs was used as a newcomer would use it, each
// shown fixed as a client sees it: real redis-server and walfs processes.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sys/wait.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>
#include <tuple>

#include "integration/harness.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A strong read must never fail while the log is sound: appends go through
// two replicas while a third answers strong reads, hundreds of them. (The
// applied position was read after the log's tail, so a write applied in
// between looked like a log that had lost entries: 5-8% answered 503.)
TEST(StrongReadTest, NeverFailsUnderConcurrentWrites) {
  Cluster c(3);
  std::atomic<bool> stop{false};
  std::atomic<int> appends{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      HttpClient cl = c.node(w % 2).Client();
      while (!stop) {
        auto r = cl.Request("POST", "/v1/fs/hot/log?op=append", "record\n");
        if (r.ok() && r->status == 200) ++appends;
      }
    });
  }
  HttpClient reader = c.node(2).Client();
  int failures = 0;
  std::string first_failure;
  constexpr int kReads = 400;
  ASSERT_TRUE(WaitFor([&] { return appends > 10; }, 10s));
  for (int i = 0; i < kReads; ++i) {
    auto r = reader.Get("/v1/fs/hot/log?consistency=strong");
    if (!r.ok() || r->status != 200) {
      ++failures;
      if (first_failure.empty()) first_failure = r.ok() ? r->body : r.status().message();
    }
  }
  stop = true;
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures, 0) << "of " << kReads << " strong reads; first: " << first_failure;
  EXPECT_GT(appends.load(), 100);
}

// A strong read against a frozen log answers 504 timeout within its
// timeout_ms: asking the log for its tail is part of the wait.
TEST(StrongReadTest, FrozenLogAnswersTimeoutWithinTimeoutMs) {
  Cluster c(1);
  HttpClient cl = c.node(0).Client();
  ASSERT_EQ(cl.Request("PUT", "/v1/fs/f", "x")->status, 201);
  c.redis().Signal(SIGSTOP);
  auto started = Clock::now();
  auto r = cl.Get("/v1/fs/f?consistency=strong&timeout_ms=2000");
  auto took = Clock::now() - started;
  c.redis().Signal(SIGCONT);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 504) << r->body;
  EXPECT_EQ(Json(*r)["error"], "timeout");
  EXPECT_GE(took, 1900ms);
  EXPECT_LT(took, 3500ms);
  // Thawed, the same read succeeds.
  EXPECT_TRUE(WaitFor([&] { return cl.Get("/v1/fs/f?consistency=strong")->status == 200; }, 20s));
}

class SingleNode : public ::testing::Test {
 protected:
  SingleNode() : node_(dir_.path() + "/data", "local", "solo") {
    node_.Start();
    EXPECT_TRUE(node_.WaitReady());
  }
  TempDir dir_;
  ServeProcess node_;
};

// PUT ?op=append replaced the file, DELETE ?op=append deleted it.
TEST_F(SingleNode, AnOpTheMethodDoesNotTakeChangesNothing) {
  HttpClient c = node_.Client();
  ASSERT_EQ(c.Request("PUT", "/v1/fs/w", "keep")->status, 201);
  auto put = c.Request("PUT", "/v1/fs/w?op=append", "lost");
  EXPECT_EQ(put->status, 400);
  EXPECT_EQ(Json(*put)["error"], "bad_request");
  auto del = c.Request("DELETE", "/v1/fs/w?op=append");
  EXPECT_EQ(del->status, 400);
  EXPECT_EQ(c.Get("/v1/fs/w")->body, "keep");
}

TEST_F(SingleNode, WrongMethodsAre405WithAllow) {
  HttpClient c = node_.Client();
  for (auto [m, path, allow] :
       {std::tuple{"PATCH", "/v1/fs/w", "GET, HEAD, PUT, POST, DELETE"},
        std::tuple{"GET", "/v1/tx", "POST"}, std::tuple{"POST", "/readyz", "GET, HEAD"},
        std::tuple{"DELETE", "/v1/cluster", "GET, HEAD"}}) {
    auto r = c.Request(m, path);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 405) << m << " " << path;
    EXPECT_EQ(r->header("allow"), allow) << m << " " << path;
    EXPECT_EQ(Json(*r)["error"], "method_not_allowed");
  }
}

TEST_F(SingleNode, AnEmptyIdempotencyKeyIsRefused) {
  HttpClient c = node_.Client();
  auto r = c.Request("POST", "/v1/fs/k?op=append", "x", {{"Idempotency-Key", ""}});
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(c.Get("/v1/fs/k")->status, 404);
}

TEST_F(SingleNode, TransactionsRefuseUnknownFieldsAndRelativePaths) {
  HttpClient c = node_.Client();
  ASSERT_EQ(c.Request("PUT", "/v1/fs/a", "1")->status, 201);
  ASSERT_EQ(c.Request("PUT", "/v1/fs/b", "2")->status, 201);
  auto typo = c.Request("POST", "/v1/tx",
                        R"({"ops":[{"op":"rename","path":"/a","to":"/b","overwite":true}]})");
  EXPECT_EQ(typo->status, 400);
  EXPECT_NE(Json(*typo)["message"].get<std::string>().find("overwite"), std::string::npos);
  auto rel = c.Request("POST", "/v1/tx", R"({"ops":[{"op":"put","path":"c","data":""}]})");
  EXPECT_EQ(rel->status, 400);
  EXPECT_EQ(c.Get("/v1/fs/b")->body, "2");
  EXPECT_EQ(c.Get("/v1/fs/c")->status, 404);
}

// RFC 9110 conditional and range reads.
TEST_F(SingleNode, ConditionalAndRangeReads) {
  HttpClient c = node_.Client();
  ASSERT_EQ(c.Request("PUT", "/v1/fs/r", "0123456789")->status, 201);
  auto r = c.Get("/v1/fs/r");
  std::string etag = r->header("etag"), lm = r->header("last-modified");
  auto get = [&](std::map<std::string, std::string> h) {
    return *c.Request("GET", "/v1/fs/r", "", h);
  };
  // If-None-Match (weak comparison) and If-Modified-Since: 304, no body.
  auto nm = get({{"If-None-Match", etag}});
  EXPECT_EQ(nm.status, 304);
  EXPECT_TRUE(nm.body.empty());
  EXPECT_EQ(nm.header("etag"), etag);
  EXPECT_EQ(get({{"If-None-Match", "W/" + etag}}).status, 304);
  EXPECT_EQ(get({{"If-None-Match", "\"1-1\", " + etag}}).status, 304);
  EXPECT_EQ(get({{"If-None-Match", "\"1-1\""}}).status, 200);
  EXPECT_EQ(c.Request("HEAD", "/v1/fs/r", "", {{"If-None-Match", etag}})->status, 304);
  EXPECT_EQ(get({{"If-Modified-Since", lm}}).status, 304);
  EXPECT_EQ(get({{"If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}}).status, 200);
  EXPECT_EQ(get({{"If-Modified-Since", "not a date"}}).status, 200);
  // If-Match: a list, compared strongly; a weak ETag never matches.
  EXPECT_EQ(get({{"If-Match", "\"1-1\", " + etag}}).status, 200);
  auto weak = get({{"If-Match", "W/" + etag}});
  EXPECT_EQ(weak.status, 412);
  EXPECT_EQ(Json(weak)["error"], "precondition_failed");
  EXPECT_EQ(get({{"If-Unmodified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}}).status, 412);
  // Ranges: an unknown unit is ignored; several ranges are served whole.
  EXPECT_EQ(get({{"Range", "items=1-2"}}).status, 200);
  auto several = get({{"Range", "bytes=0-1,4-5"}});
  EXPECT_EQ(several.status, 200);
  EXPECT_EQ(several.body, "0123456789");
  EXPECT_EQ(get({{"Range", "bytes=2-3"}}).body, "23");
  // If-Range: the range only while the file is what the client has.
  EXPECT_EQ(get({{"Range", "bytes=2-3"}, {"If-Range", etag}}).status, 206);
  EXPECT_EQ(get({{"Range", "bytes=2-3"}, {"If-Range", "\"1-1\""}}).status, 200);
}

// Writes: If-Match with a list of ETags; a weak one is 412 at apply time.
TEST_F(SingleNode, IfMatchListsOnWrites) {
  HttpClient c = node_.Client();
  std::string etag =
      "\"" + Json(*c.Request("PUT", "/v1/fs/m", "a"))["version"].get<std::string>() + "\"";
  auto weak = c.Request("POST", "/v1/fs/m?op=append", "x", {{"If-Match", "W/" + etag}});
  EXPECT_EQ(weak->status, 412);
  auto listed = c.Request("POST", "/v1/fs/m?op=append", "b", {{"If-Match", "\"9-9\", " + etag}});
  EXPECT_EQ(listed->status, 200);
  auto stale = c.Request("POST", "/v1/fs/m?op=append", "c", {{"If-Match", "\"9-9\", " + etag}});
  EXPECT_EQ(stale->status, 412);
  EXPECT_EQ(c.Get("/v1/fs/m")->body, "ab");
}

// Malformed HTTP gets the contract's JSON error (then the connection
// closes), never a silently dropped connection; nothing is written.
TEST_F(SingleNode, MalformedHttpIsAnsweredWithJsonErrors) {
  HttpClient c = node_.Client();
  ASSERT_EQ(c.Request("PUT", "/v1/fs/a", "keep")->status, 201);
  const std::string append = "POST /v1/fs/a?op=append HTTP/1.1\r\nHost: t\r\n";
  const std::pair<std::string, std::string> cases[] = {
      {"431", "GET /v1/fs/a HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"},
      {"414", "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n"},
      {"400", std::string("\x01\x02garbage\r\n\r\n")},
      {"400", "GET /healthz HTTP/abc\r\nHost: t\r\n\r\n"},
      {"400", append + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"},
      {"400",
       append + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"},
      {"400", append + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"},
      {"400", "GET /healthz HTTP/1.1\nHost: t\n\n"},
  };
  for (const auto& [status, bytes] : cases) {
    RawConn conn(node_.port());
    ASSERT_TRUE(conn.Send(bytes));
    std::string answer = conn.ReadAll();
    EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 " + status) << bytes.substr(0, 60) << "\n" << answer;
    auto body = answer.substr(answer.find("\r\n\r\n") + 4);
    json j = json::parse(body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j["error"] == "bad_request") << body;
  }
  EXPECT_EQ(c.Get("/v1/fs/a")->body, "keep");
}

// A client that trickles its header is cut off after --io-timeout-ms from
// its first byte, while other clients are served.
TEST(SlowClientTest, TrickledHeadersAreCutOff) {
  TempDir dir;
  ServeProcess node(dir.path() + "/data", "local", "solo", {"--io-timeout-ms", "1000"});
  node.Start();
  ASSERT_TRUE(node.WaitReady());
  RawConn slow(node.port());
  ASSERT_TRUE(slow.connected());
  const std::string req =
      "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: " + std::string(200, 'p') + "\r\n\r\n";
  HttpClient other = node.Client();
  auto started = Clock::now();
  size_t sent = 0;
  // One byte every 20 ms: the header would take over 4 s.
  while (sent < req.size() && !slow.ClosedByServer() && Clock::now() - started < 10s) {
    if (!slow.Send(req.substr(sent, 1))) break;
    ++sent;
    EXPECT_EQ(other.Get("/healthz")->status, 200);
    std::this_thread::sleep_for(20ms);  // the trickle itself, not a wait for a condition
  }
  EXPECT_LT(sent, req.size()) << "the whole trickled header was accepted";
  EXPECT_TRUE(WaitFor([&] { return slow.ClosedByServer(); }, 5s));
  EXPECT_LT(Clock::now() - started, 4s);
}

// At the connection limit /healthz still answers 200 (a reserve is kept
// for probes); other requests are refused 503.
TEST(ConnectionLimitTest, HealthzAnswersAtTheLimit) {
  TempDir dir;
  ServeProcess node(dir.path() + "/data", "local", "solo", {"--max-connections", "4"});
  node.Start();
  ASSERT_TRUE(node.WaitReady());
  // Each probe on a new connection (a client's kept-alive one was counted
  // when it was accepted).
  auto get = [&](const std::string& target) {
    return HttpClient(node.url()).Request("GET", target);
  };
  // Four open connections that send nothing: counted from their accept,
  // and kept (idle) whether they landed within the limit or past it.
  std::vector<std::unique_ptr<RawConn>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawConn>(node.port()));
    ASSERT_TRUE(held.back()->connected());
  }
  int last = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto r = get("/v1/fs/");
        last = r.ok() ? r->status : -1;
        return last == 503;
      },
      10s))
      << "last answer " << last << " with " << held.size() << " held";
  auto h = get("/healthz");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(get("/readyz")->status, 200);
  held.clear();
  EXPECT_TRUE(WaitFor(
      [&] {
        auto r = get("/v1/fs/");
        return r.ok() && r->status == 200;
      },
      10s));
}

// `walfs status` exits non-zero when the cluster is not healthy: the log
// unreachable (shown from the first refresh), every replica stopped.
TEST(StatusTest, ExitStatusSaysWhetherTheClusterIsHealthy) {
  Cluster c(1, false, {"--heartbeat-ms", "100"});
  std::string server = c.node(0).url();
  ASSERT_EQ(c.node(0).Client().Request("PUT", "/v1/fs/a", "x")->status, 201);
  auto [ok, out] = RunCli({"--server", server, "status"});
  EXPECT_EQ(ok, 0) << out;
  // Redis restarted empty: the log went backwards and the replica stops.
  c.redis().Stop(9);
  EXPECT_TRUE(WaitFor([&] { return RunCli({"--server", server, "status"}).first == 1; }, 20s));
  auto [down, down_out] = RunCli({"--server", server, "status"});
  EXPECT_NE(down_out.find("NOT HEALTHY"), std::string::npos) << down_out;
  c.redis().Start();
  EXPECT_TRUE(WaitFor(
      [&] {
        auto [code, text] = RunCli({"--server", server, "status", "--json"});
        return code == 1 && text.find("stopped") != std::string::npos &&
               text.find("\"error\"") == std::string::npos;
      },
      20s))
      << RunCli({"--server", server, "status"}).second;
}

TEST(StatusTest, AnUnreachableLogShowsFromTheFirstRefresh) {
  TempDir dir;
  int dead = FreePort();
  ServeProcess node(dir.path() + "/data",
                    "redis://127.0.0.1:" + std::to_string(dead) + "?stream=walfs", "lonely");
  node.Start();
  ASSERT_TRUE(WaitFor([&] { return node.Client().Get("/healthz").ok(); }, 20s));
  HttpClient c = node.Client();
  EXPECT_TRUE(WaitFor(
      [&] {
        json v = Json(*c.Get("/v1/cluster"));
        return v["log"].contains("error") && v["replicas"].size() == 1;
      },
      10s))
      << c.Get("/v1/cluster")->body;
  auto [code, out] = RunCli({"--server", node.url(), "status"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("the log is unreachable"), std::string::npos) << out;
}

// /v1/cluster showed a replica that had applied nothing 56 years behind
// (measured from the epoch). One whose applier is paused from the start (a
// store reserve no disk has) has applied nothing while the log has entries.
TEST(ClusterViewTest, AReplicaThatAppliedNothingIsNotDecadesBehind) {
  Cluster c(1, false, {"--heartbeat-ms", "100"});
  HttpClient a = c.node(0).Client();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(a.Request("POST", "/v1/fs/l?op=append", "x")->status, 200);
  ServeProcess paused(c.dir() + "/paused", c.redis().url(), "paused",
                      {"--heartbeat-ms", "100", "--store-reserve-mib", "1073741824"});
  paused.Start();
  json mine;
  ASSERT_TRUE(WaitFor(
      [&] {
        json view =
            Json(*a.Get("/v1/cluster"));  // named: a temporary's member would dangle in the loop
        for (const auto& r : view["replicas"]) {
          if (r["id"] == "paused") mine = r;
        }
        return mine.is_object();
      },
      10s))
      << a.Get("/v1/cluster")->body;
  EXPECT_EQ(mine["applied"], "0-0");
  EXPECT_LT(mine["lag_ms"].get<uint64_t>(), 60'000u) << mine.dump();
}

// What a binary is: `walfs --version` names the release, the commit and
// the entry format; /v1/cluster shows the same for itself and every
// replica, and says when they differ (here, a heartbeat as a build from
// before versions were published sends it: none).
TEST(ClusterViewTest, VersionsAreShownAndMixedBuildsSaidSo) {
  auto [code, line] = RunCli({"--version"});
  EXPECT_EQ(code, 0) << line;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      line, m,
      std::regex(
          R"(^walfs (\d+\.\d+\.\d+) \(commit ([0-9a-f]{12}(-dirty)?|unknown), entry format (\d+)\)\n$)")))
      << line;
  const std::string version = m[1], commit = m[2];
  const int format = std::stoi(m[4]);
  Cluster c(2, false, {"--heartbeat-ms", "100"});
  HttpClient a = c.node(0).Client();
  json view;
  ASSERT_TRUE(WaitFor(
      [&] {
        view = Json(*a.Get("/v1/cluster"));
        return view["replicas"].size() == 2;
      },
      10s))
      << view.dump();
  EXPECT_EQ(view["build"],
            (json{{"version", version}, {"commit", commit}, {"entry_format", format}}));
  EXPECT_EQ(view["mixed_builds"], false);
  for (const auto& r : view["replicas"]) {
    EXPECT_EQ(r["version"], version);
    EXPECT_EQ(r["commit"], commit);
    EXPECT_EQ(r["entry_format"], format);
  }
  auto log = *OpenLog(c.log_url(), c.dir(), LogOptions{});
  auto conn = std::move(log->Connect()).value();
  ASSERT_TRUE(conn->PutHeartbeat("old",
                                 R"({"id":"old","address":"http://127.0.0.1:1","applied":"0-0"})",
                                 60000)
                  .ok());
  json old;
  ASSERT_TRUE(WaitFor(
      [&] {
        view = Json(*a.Get("/v1/cluster"));
        for (const auto& r : view["replicas"]) {
          if (r["id"] == "old") old = r;
        }
        return old.is_object();
      },
      10s))
      << view.dump();
  EXPECT_EQ(old["version"], "");
  EXPECT_EQ(old["entry_format"], 0);
  EXPECT_EQ(view["mixed_builds"], true);
  auto [status_code, status] = RunCli({"--server", c.node(0).url(), "status"});
  EXPECT_NE(status.find("builds differ"), std::string::npos) << status;
}

std::pair<int, std::string> RunIn(const std::string& cwd, const std::vector<std::string>& args) {
  return RunCli(args, {}, cwd);
}

// Negative and overflowing numbers are usage mistakes (exit 2), and
// nothing is sent: CLI11 alone wrapped -1 into a huge unsigned number.
TEST_F(SingleNode, CliRefusesNegativeAndOverflowingNumbers) {
  HttpClient c = node_.Client();
  ASSERT_EQ(c.Request("PUT", "/v1/fs/w", "0123456789")->status, 201);
  std::string s = node_.url();
  for (std::vector<std::string> args : {std::vector<std::string>{"truncate", "/w", "-1"},
                                        {"write", "/w", "-1"},
                                        {"cat", "/w", "--offset", "-1"},
                                        {"cat", "/w", "--length", "-1"},
                                        {"truncate", "/w", "18446744073709551616"},
                                        {"truncate", "/w", "12abc"}}) {
    args.insert(args.begin(), {"--server", s});
    auto [code, out] = RunCli(args);
    EXPECT_EQ(code, 2) << args[2] << " " << args.back() << ": " << out;
    EXPECT_NE(out.find("is not a whole number"), std::string::npos) << out;
  }
  EXPECT_EQ(c.Get("/v1/fs/w")->body, "0123456789");
  auto [bogus, out] = RunCli({"--server", s, "bogus"});
  EXPECT_EQ(bogus, 2);
  EXPECT_NE(out.find("'bogus' is not a command"), std::string::npos) << out;
  // A relative rename target on the command line is taken as absolute.
  EXPECT_EQ(RunCli({"--server", s, "mv", "/w", "moved"}).first, 0);
  EXPECT_EQ(c.Get("/v1/fs/moved")->body, "0123456789");
}

// `serve` validates every flag first: a bad one is refused with exit 2 and
// a message, and nothing (no data directory, no store) is created. A port
// in use is refused (exit 1) before the store is created too.
TEST(ServeFlagsTest, BadFlagsAreRefusedBeforeAnythingIsCreated) {
  TempDir cwd;
  for (std::vector<std::string> flags : {std::vector<std::string>{"--log-level", "verbose"},
                                         {"--max-entry-bytes", "-1"},
                                         {"--max-entry-bytes", "0"},
                                         {"--listen", "nonsense"},
                                         {"--listen", "127.0.0.1:99999"},
                                         {"--listen", "localhost:8080"},
                                         {"--log", "redis://127.0.0.1:notaport"},
                                         {"--log", "carrier-pigeon"},
                                         {"--backup", "ftp://x"},
                                         {"--http-threads", "0"},
                                         {"--io-timeout-ms", "-5"}}) {
    flags.insert(flags.begin(), "serve");
    auto [code, out] = RunIn(cwd.path(), flags);
    EXPECT_EQ(code, 2) << flags[1] << " " << flags[2] << ": " << out;
    EXPECT_FALSE(out.empty());
    EXPECT_FALSE(std::filesystem::exists(cwd.path() + "/walfs-data"))
        << flags[1] << " " << flags[2];
  }
  // A port in use: refused, nothing created.
  int port = FreePort();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  auto [code, out] = RunIn(cwd.path(), {"serve", "--listen", "127.0.0.1:" + std::to_string(port)});
  ::close(fd);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("cannot listen"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(cwd.path() + "/walfs-data"));
  auto [help, text] = RunIn(cwd.path(), {"serve", "--help"});
  EXPECT_EQ(help, 0);
  EXPECT_NE(text.find("WALFS_REPLICA_ID"), std::string::npos);
}

// A retry with the same key and ack=log answers the first write's position
// (it got a new entry's), once this replica has applied the first.
TEST_F(SingleNode, AckLogRetriesAnswerTheFirstPosition) {
  HttpClient c = node_.Client();
  std::map<std::string, std::string> key = {{"Idempotency-Key", "retry-1"}};
  auto first = c.Request("POST", "/v1/fs/k?op=append&ack=log", "once", key);
  ASSERT_EQ(first->status, 202);
  std::string p = Json(*first)["position"];
  ASSERT_EQ(c.Get("/v1/fs/k?min_position=" + p)->status, 200);
  auto again = c.Request("POST", "/v1/fs/k?op=append&ack=log", "once", key);
  EXPECT_EQ(again->status, 202);
  EXPECT_EQ(Json(*again)["position"], p);
  EXPECT_EQ(again->header("x-walfs-position"), p);
  auto other = c.Request("POST", "/v1/fs/k?op=append&ack=log", "twice", key);
  EXPECT_EQ(other->status, 422);
  EXPECT_EQ(c.Get("/v1/fs/k?consistency=strong")->body, "once");
}

}  // namespace
}  // namespace walfs::testing
