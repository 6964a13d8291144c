// Watching (api-v1.md, "Watching") with real processes: the same events on
// every replica; resumed with Last-Event-ID across a restart and a move to
// another replica, with nothing lost or repeated; 410 once the log was
// trimmed past a position; `tail -f` over HTTP; the CLI's watch and tail -f
// through a replica killed under them.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "client/sse_parser.h"
#include "integration/harness.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

// The events a watch sends until `n` came (or the server ended it), as
// (id, data) pairs; the last_event_id header if set.
std::vector<std::pair<std::string, json>> Watch(ServeProcess& node, const std::string& query,
                                                size_t n, const std::string& last_event_id = "",
                                                std::string* ended_with = nullptr) {
  std::vector<std::pair<std::string, json>> out;
  HttpClient c(node.url(), 10000);
  SseParser sse;
  std::map<std::string, std::string> headers;
  if (!last_event_id.empty()) headers["Last-Event-ID"] = last_event_id;
  auto r = c.GetStreaming(
      "/v1/watch?" + query,
      [&](const ClientResponse&, std::string_view chunk) {
        sse.Feed(chunk, [&](const SseEvent& e) {
          if (!e.event.empty() && ended_with != nullptr) *ended_with = e.event + " " + e.data;
          if (e.event.empty()) out.emplace_back(e.id, json::parse(e.data));
        });
        return out.size() < n && (ended_with == nullptr || ended_with->empty());
      },
      headers, /*live=*/true);
  (void)r;
  if (out.size() > n) out.resize(n);  // a chunk brings several
  return out;
}

// The status a watch is answered with (200: the stream began; it is not read).
int WatchStatus(ServeProcess& node, const std::string& query, std::string* body = nullptr) {
  HttpClient c(node.url(), 10000);
  int status = 0;
  auto r = c.GetStreaming(
      "/v1/watch?" + query,
      [&](const ClientResponse& head, std::string_view) {
        status = head.status;
        return false;
      },
      {}, true);
  if (r.ok()) {
    if (body != nullptr) *body = r->body;
    return r->status;
  }
  return status;
}

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

TEST(WatchTest, EveryReplicaSendsTheSameEventsAndLastEventIdResumesExactly) {
  Cluster c(2);
  HttpClient w0 = c.node(0).Client(), w1 = c.node(1).Client();
  auto first = w0.Request("POST", "/v1/fs/w/log?op=append", "a\n");
  ASSERT_EQ(first->status, 200);
  std::string from = Json(*first)["position"];
  // Writes through both replicas: appends, a transaction, a failed
  // write (no event), a rename, a delete, writes elsewhere (no event).
  for (int i = 0; i < 10; ++i) {
    HttpClient& w = i % 2 ? w1 : w0;
    ASSERT_EQ(
        w.Request("POST", "/v1/fs/w/log?op=append", "line " + std::to_string(i) + "\n")->status,
        200);
    ASSERT_LT(w.Request("PUT", "/v1/fs/elsewhere/x", "x")->status, 300);
  }
  std::string tx = R"({"ops":[{"op":"put","path":"/w/a","data":"eA=="},)"
                   R"({"op":"append","path":"/w/log","data":"eQo="}]})";
  ASSERT_EQ(w0.Request("POST", "/v1/tx", tx)->status, 200);
  ASSERT_EQ(w1.Request("PUT", "/v1/fs/w/a", "new", {{"If-Match", "\"1-0\""}})->status, 412);
  ASSERT_EQ(w1.Request("POST", "/v1/fs/w/a?op=rename&to=/w/b")->status, 200);
  ASSERT_EQ(w0.Request("DELETE", "/v1/fs/w/b")->status, 200);
  constexpr size_t kEvents = 10 + 2 + 1 + 1;
  auto on0 = Watch(c.node(0), "path=/w&from=" + from, kEvents);
  auto on1 = Watch(c.node(1), "path=/w&from=" + from, kEvents);
  ASSERT_EQ(on0.size(), kEvents);
  EXPECT_EQ(on0, on1);  // same ids, same data, on both replicas
  std::vector<std::string> ops;
  for (const auto& [id, d] : on0)
    ops.push_back(d["op"].get<std::string>() + " " + d["path"].get<std::string>());
  EXPECT_EQ(ops.front(), "append /w/log");
  EXPECT_EQ(ops[10], "put /w/a");
  EXPECT_EQ(ops[11], "append /w/log");
  EXPECT_EQ(on0[10].first, on0[10].second["position"].get<std::string>() + ".0");
  EXPECT_EQ(on0[11].second["index"], 1);
  EXPECT_EQ(ops[12], "rename /w/a");
  EXPECT_EQ(on0[12].second["to"], "/w/b");
  EXPECT_EQ(ops[13], "delete /w/b");
  EXPECT_EQ(on0[0].second["offset"], 2);  // after "a\n"
  EXPECT_EQ(on0[0].second["length"], 7);  // "line 0\n"
  // Resumed after any event (on either replica), the rest exactly.
  for (size_t k : {size_t{0}, size_t{10}, size_t{12}}) {
    auto rest = Watch(c.node(k % 2), "path=/w&from=" + from, kEvents - k - 1, on0[k].first);
    ASSERT_EQ(rest.size(), kEvents - k - 1);
    EXPECT_EQ(rest.front(), on0[k + 1]) << "after " << on0[k].first;
  }
  // Not recursive: a grandchild's change is not the watch's; recursive, it is.
  ASSERT_LT(w0.Request("PUT", "/v1/fs/w/deep/er", "z")->status, 300);
  ASSERT_LT(w0.Request("PUT", "/v1/fs/w/c", "z")->status, 300);
  auto flat = Watch(c.node(0), "path=/w", 1, on0.back().first);
  ASSERT_EQ(flat.size(), 1u);
  EXPECT_EQ(flat[0].second["path"], "/w/c");
  auto deep = Watch(c.node(1), "path=/w&recursive", 2, on0.back().first);
  ASSERT_EQ(deep.size(), 2u);
  EXPECT_EQ(deep[0].second["path"], "/w/deep/er");
  // Bad input: the contract's errors.
  EXPECT_EQ(WatchStatus(c.node(0), ""), 400);
  EXPECT_EQ(WatchStatus(c.node(0), "path=/w&from=banana"), 400);
  EXPECT_EQ(w0.Request("POST", "/v1/watch?path=/w")->status, 405);
}

TEST(WatchTest, AWatchSeesNewChangesLiveAndAPositionTrimmedAwayIs410) {
  TempDir backup;
  ServeProcess node(backup.path() + "/data", "local", "w",
                    {"--backup", "dir://" + backup.path() + "/b", "--snapshot-every-entries", "0",
                     "--snapshot-every-ms", "0", "--heartbeat-ms", "100", "--maintenance-ms", "100",
                     "--watch-keepalive-ms", "200"});
  node.Start();
  ASSERT_TRUE(node.WaitReady());
  HttpClient w = node.Client();
  auto first = w.Request("POST", "/v1/fs/f?op=append", "0");
  std::string from = Json(*first)["position"];
  // A live watch from now sees what lands after it began (it is known to
  // be connected once it has seen a probe).
  std::mutex mu;
  std::vector<json> live;
  std::atomic<bool> stop{false};
  std::thread watcher([&] {
    HttpClient c(node.url(), 10000);
    SseParser sse;
    (void)c.GetStreaming(
        "/v1/watch?path=/&recursive",
        [&](const ClientResponse&, std::string_view chunk) {
          sse.Feed(chunk, [&](const SseEvent& e) {
            std::lock_guard lock(mu);
            if (e.event.empty()) live.push_back(json::parse(e.data));
          });
          return !stop;
        },
        {}, true);
  });
  auto count = [&](const std::string& path) {
    std::lock_guard lock(mu);
    return std::count_if(live.begin(), live.end(),
                         [&](const json& e) { return e["path"] == path; });
  };
  ASSERT_TRUE(WaitFor(
      [&] {
        (void)w.Request("PUT", "/v1/fs/probe", "p");
        return count("/probe") > 0;
      },
      10s));
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(w.Request("POST", "/v1/fs/f?op=append", std::to_string(i))->status, 200);
  }
  EXPECT_TRUE(WaitFor([&] { return count("/f") == 3; }, 10s));
  stop = true;
  (void)w.Request("PUT", "/v1/fs/probe",
                  "p");  // one more event: the sink returns and the watch ends
  watcher.join();
  // A snapshot, then the log trimmed below it: events before it are pruned.
  auto snap = w.Request("POST", "/v1/admin/snapshots");
  ASSERT_EQ(snap->status, 201) << snap->body;
  ASSERT_EQ(w.Request("POST", "/v1/fs/f?op=append", "4")->status, 200);
  std::string body;
  ASSERT_TRUE(WaitFor([&] { return WatchStatus(node, "path=/&from=" + from, &body) == 410; }, 15s));
  EXPECT_EQ(json::parse(body)["error"], "gone");
  // From the snapshot's position on, nothing is missing.
  std::string at = Json(*snap)["position"];
  auto after = Watch(node, "path=/&recursive&from=" + at, 1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].second["size"], 5);
}

// A watch that keeps up loses nothing while snapshots let the log (and
// the events of what it trimmed) go every few entries under it.
TEST(WatchTest, AWatchThatKeepsUpLosesNothingWhileTheLogIsTrimmed) {
  TempDir backup;
  Cluster c(2, false,
            {"--backup", "dir://" + backup.path(), "--snapshot-every-entries", "20",
             "--heartbeat-ms", "50", "--maintenance-ms", "20"});
  HttpClient w = c.node(0).Client();
  auto first = w.Request("POST", "/v1/fs/tr/log?op=append", "start\n");
  ASSERT_EQ(first->status, 200);
  std::string from = Json(*first)["position"];
  constexpr int kAppends = 300;
  std::vector<std::pair<std::string, json>> got;
  std::thread watcher([&] { got = Watch(c.node(1), "path=/tr&from=" + from, kAppends); });
  std::vector<uint64_t> offsets;
  for (int i = 0; i < kAppends; ++i) {
    auto r = c.node(i % 2).Client().Request("POST", "/v1/fs/tr/log?op=append",
                                            "record " + std::to_string(i) + "\n");
    ASSERT_EQ(r->status, 200);
    offsets.push_back(Json(*r)["offset"]);
  }
  watcher.join();
  ASSERT_EQ(got.size(), static_cast<size_t>(kAppends));
  for (int i = 0; i < kAppends; ++i) EXPECT_EQ(got[i].second["offset"], offsets[i]) << i;
  // The log was trimmed under the watch, and the events of what it
  // trimmed are gone: a watch from the start is 410 now.
  auto first_kept = Position::Parse(
      Json(*c.node(1).Client().Get("/v1/cluster"))["log"]["first"].get<std::string>());
  EXPECT_GT(*first_kept, *Position::Parse(from));
  EXPECT_TRUE(WaitFor([&] { return WatchStatus(c.node(1), "path=/tr&from=" + from) == 410; }, 10s));
}

// A watcher that reads far more slowly than events come (a small receive
// buffer, a few hundred bytes at a time) is ended with event: lagging and
// where to resume, which resumes exactly after the last event it got.
TEST(WatchTest, ASlowWatcherIsEndedWithWhereToResume) {
  TempDir dir;
  ServeProcess node(dir.path() + "/data", "local", "w",
                    {"--watch-lag-ms-max", "300", "--io-timeout-ms", "60000"});
  node.Start();
  ASSERT_TRUE(node.WaitReady());
  HttpClient w = node.Client();
  auto first = w.Request("POST", "/v1/fs/s/log?op=append", "x");
  std::string from = Json(*first)["position"];
  // 20 transactions of 500 appends: 10,000 events, about 2 MB of stream.
  json tx = {{"ops", json::array()}};
  for (int i = 0; i < 500; ++i)
    tx["ops"].push_back({{"op", "append"}, {"path", "/s/log"}, {"data", "eA=="}});
  for (int t = 0; t < 20; ++t) ASSERT_EQ(w.Request("POST", "/v1/tx", tx.dump())->status, 200);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int small = 4096;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(node.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string req = "GET /v1/watch?path=/s&from=" + from + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  std::string got;
  char buf[512];
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (got.find("event: lagging") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
    std::this_thread::sleep_for(5ms);  // the slow reader itself, not a synchronisation
  }
  ::close(fd);
  size_t at = got.find("event: lagging");
  ASSERT_NE(at, std::string::npos) << got.size() << " bytes read without it";
  size_t data = got.find("data: ", at) + 6;
  json end = json::parse(got.substr(data, got.find('\n', data) - data));
  EXPECT_EQ(end["error"], "lagging");
  // Every event before it came whole; resume_from is the last one's id.
  std::string last_id;
  for (size_t p = got.find("\nid: "); p != std::string::npos && p < at;
       p = got.find("\nid: ", p + 1)) {
    last_id = got.substr(p + 5, got.find('\n', p + 5) - p - 5);
  }
  EXPECT_EQ(end["resume_from"], last_id);
  // Resumed from there, the next event is the one after it.
  auto rest = Watch(node, "path=/s&from=" + end["resume_from"].get<std::string>(), 1);
  ASSERT_EQ(rest.size(), 1u);
  auto dot = last_id.rfind('.');
  EXPECT_EQ(rest[0].first,
            last_id.substr(0, dot + 1) + std::to_string(std::stoul(last_id.substr(dot + 1)) + 1));
}

// Writers append numbered records while a watcher resumes through a
// killed replica: on the other replica at once, then back.
// `walfs watch` on `servers` while node 0 (the first it reads from) is
// killed and, later, started again; appends go through node 1.
void CliWatchThroughAKill(Cluster& c, const std::string& servers) {
  TempDir out;
  constexpr int kAppends = 60;
  std::string cmd = "exec " + std::string(WALFS_BINARY) + " --server " + servers +
                    " watch -r /q > " + out.path() + "/out 2> " + out.path() + "/err";
  Process watch({"/bin/sh", "-c", cmd});
  auto lines = [&] {
    std::string s = Slurp(out.path() + "/out");
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
  };
  HttpClient w = c.node(1).Client();
  // The watch began from now: wait until it is connected (its first
  // answer), by writing until an event shows.
  ASSERT_TRUE(WaitFor(
      [&] {
        (void)w.Request("PUT", "/v1/fs/q/probe", "p");
        return Slurp(out.path() + "/out").find("/q/probe") != std::string::npos;
      },
      20s));
  std::vector<std::string> offsets;
  for (int i = 0; i < kAppends; ++i) {
    if (i == kAppends / 3) c.node(0).Kill(SIGKILL);  // under the watch
    if (i == 2 * kAppends / 3) {
      c.node(0).Start();
      ASSERT_TRUE(c.node(0).WaitReady());
    }
    auto r = w.Request("POST", "/v1/fs/q/log?op=append", "r" + std::to_string(i) + "\n");
    ASSERT_EQ(r->status, 200);
    offsets.push_back(std::to_string(Json(*r)["offset"].get<uint64_t>()));
  }
  // The last append's event printed: the watch has seen everything.
  std::string last = "\"offset\":" + offsets.back() + ",";
  ASSERT_TRUE(
      WaitFor([&] { return Slurp(out.path() + "/out").find(last) != std::string::npos; }, 30s))
      << lines() << " lines; stderr: " << Slurp(out.path() + "/err");
  watch.Stop();
  std::istringstream in(Slurp(out.path() + "/out"));
  std::string line;
  std::set<std::string> ids;
  std::vector<std::string> seen_offsets;
  std::string last_position;
  while (std::getline(in, line)) {
    json e = json::parse(line);
    EXPECT_TRUE(ids.insert(e["id"].get<std::string>()).second) << "repeated: " << line;
    EXPECT_GT(*Position::Parse(e["position"].get<std::string>()),
              Position::Parse(last_position).value_or(Position{}));
    last_position = e["position"];
    if (e["path"] == "/q/log") seen_offsets.push_back(std::to_string(e["offset"].get<uint64_t>()));
  }
  EXPECT_EQ(seen_offsets, offsets);  // every append once, in order
  // The kill reached the watch: it said so and resumed.
  EXPECT_NE(Slurp(out.path() + "/err").find("resuming after"), std::string::npos)
      << Slurp(out.path() + "/err");
}

TEST(WatchTest, TheCliWatchMovesToAnotherReplicaWithoutLossOrRepeat) {
  Cluster c(2);
  CliWatchThroughAKill(c, c.node(0).url() + "," + c.node(1).url());
}

// With only the killed replica to go to, the watch waits for its restart
// and resumes there.
TEST(WatchTest, TheCliWatchResumesOnARestartedReplicaWithoutLossOrRepeat) {
  Cluster c(2);
  CliWatchThroughAKill(c, c.node(0).url());
}

TEST(WatchTest, FollowStreamsAppendsAndTailFollowsThroughAKilledReplica) {
  Cluster c(2);
  HttpClient w = c.node(1).Client();
  ASSERT_LT(w.Request("PUT", "/v1/fs/t.log", "one\ntwo\nthree\n")->status, 300);
  // GET ?follow: from an offset, then what is appended, until deleted.
  std::string followed;
  std::thread follower([&] {
    HttpClient f(c.node(1).url(), 10000);
    (void)f.GetStreaming(
        "/v1/fs/t.log?follow&offset=4",
        [&](const ClientResponse&, std::string_view chunk) {
          followed.append(chunk);
          return true;
        },
        {}, true);
  });
  ASSERT_TRUE(WaitFor([&] { return followed == "two\nthree\n"; }, 10s)) << followed;
  ASSERT_EQ(w.Request("POST", "/v1/fs/t.log?op=append", "four\n")->status, 200);
  ASSERT_TRUE(WaitFor([&] { return followed == "two\nthree\nfour\n"; }, 10s)) << followed;
  ASSERT_EQ(w.Request("DELETE", "/v1/fs/t.log")->status, 200);
  follower.join();  // the stream ended with the file
  EXPECT_EQ(w.Get("/v1/fs/nope?follow")->status, 404);
  ASSERT_LT(w.Request("PUT", "/v1/fs/t.log", "a\nb\n")->status, 300);
  EXPECT_EQ(w.Get("/v1/fs/t.log?follow&offset=99")->status, 416);
  // walfs tail -f -n 1 over both replicas; the one it reads from is killed.
  TempDir out;
  std::string cmd = "exec " + std::string(WALFS_BINARY) + " --server " + c.node(0).url() + "," +
                    c.node(1).url() + " tail -f -n 1 /t.log > " + out.path() + "/out 2> " +
                    out.path() + "/err";
  Process tail({"/bin/sh", "-c", cmd});
  ASSERT_TRUE(WaitFor([&] { return Slurp(out.path() + "/out") == "b\n"; }, 10s));
  std::string want = "b\n";
  for (int i = 0; i < 30; ++i) {
    if (i == 10) c.node(0).Kill(SIGKILL);
    std::string rec = "rec " + std::to_string(i) + "\n";
    ASSERT_EQ(w.Request("POST", "/v1/fs/t.log?op=append", rec)->status, 200);
    want += rec;
  }
  EXPECT_TRUE(WaitFor([&] { return Slurp(out.path() + "/out") == want; }, 30s))
      << Slurp(out.path() + "/out") << "\nstderr: " << Slurp(out.path() + "/err");
  EXPECT_NE(Slurp(out.path() + "/err").find("resuming at byte"), std::string::npos)
      << Slurp(out.path() + "/err");
  tail.Stop();
}

}  // namespace
}  // namespace walfs::testing
