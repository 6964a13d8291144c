// Snapshots, trimming, bootstrap and restore with real processes: a
// directory and an S3 server (s3rver) as backup stores.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "backup/s3_store.h"
#include "backup/snapshot.h"
#include "core/hash.h"
#include "integration/harness.h"
#include "log/log.h"
#include "schema/fs_view.h"
#include "sm/state_machine.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

// path -> content for every file, and every directory as "<dir>".
std::map<std::string, std::string> Dump(const StoreReader& r) {
  std::map<std::string, std::string> out;
  FsView v(&r, *LoadBlockBytes(r));
  std::vector<DirEntry> es;
  bool more;
  EXPECT_TRUE(v.ListRecursive(kRootInode, "", 1u << 30, &es, &more).ok());
  for (const auto& e : es) {
    std::string data = "<dir>";
    if (!e.node.is_dir()) {
      data.clear();
      EXPECT_TRUE(v.Read(e.node, 0, e.node.inode.size, &data).ok());
    }
    out["/" + e.name] = data;
  }
  return out;
}

// Replays the log from its start up to `until` with the state machine: the
// state a replica has at that position.
std::pair<ApplyState, std::map<std::string, std::string>> Replay(const std::string& log_url,
                                                                 Position until) {
  auto log = *OpenLog(log_url, "/nonexistent", LogOptions{});
  auto conn = std::move(log->Connect()).value();
  MemStore store;
  Overlay init(&store);
  EXPECT_TRUE(InitStore(store, &init, kDefaultBlockBytes).ok());
  store.Apply(init);
  ApplyState st = *LoadApplyState(store);
  while (st.applied < until) {
    auto recs = conn->Read(st.applied, 100, 0ms);
    EXPECT_TRUE(recs.ok() && !recs->empty());
    if (!recs.ok() || recs->empty()) break;
    std::vector<LogRecord> upto;
    for (auto& r : *recs) {
      if (r.pos <= until) upto.push_back(r);
    }
    Overlay batch(&store);
    auto r = ApplyBatch(st, &batch, kDefaultBlockBytes, upto);
    EXPECT_TRUE(r.stop.ok());
    store.Apply(batch);
    st = r.state;
  }
  return {st, Dump(store)};
}

TEST(SnapshotIntegrationTest, SnapshotUnderWritesRestoresExactlyItsPosition) {
  TempDir backup;
  std::string url = "dir://" + backup.path();
  Cluster c(
      2, false,
      {"--backup", url, "--no-trim", "--snapshot-every-entries", "0", "--snapshot-every-ms", "0"});
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      HttpClient h = c.node(t % 2).Client();
      for (int i = 0; !stop; ++i) {
        auto r = h.Request("POST", "/v1/fs/w/" + std::to_string(t % 3) + "?op=append",
                           "rec" + std::to_string(i) + ";");
        ASSERT_TRUE(r.ok());
      }
    });
  }
  HttpClient a = c.node(0).Client();
  ASSERT_TRUE(WaitFor([&] { return Json(*a.Get("/readyz"))["applied"] != "0-0"; }, 10s));
  std::this_thread::yield();
  auto snap = a.Request("POST", "/v1/admin/snapshots");
  stop = true;
  for (auto& w : writers) w.join();
  ASSERT_EQ(snap->status, 201) << snap->body;
  json m = Json(*snap);
  auto pos = *Position::Parse(m["position"].get<std::string>());
  auto listed = Json(*c.node(1).Client().Get("/v1/admin/snapshots"));
  ASSERT_EQ(listed["snapshots"].size(), 1u);
  EXPECT_EQ(listed["snapshots"][0]["id"], m["id"]);

  TempDir restore;
  auto [code, out] =
      RunCli({"restore", "--backup", url, "--data", restore.path(), "--position", m["position"]});
  ASSERT_EQ(code, 0) << out;
  auto restored = std::move(RocksStore::OpenReadOnly(restore.path() + "/store")).value();
  auto state = *LoadApplyState(restored->live());
  EXPECT_EQ(state.applied, pos);
  EXPECT_EQ(ToHex(state.digest), m["digest"]);
  auto [replayed_state, replayed] = Replay(c.log_url(), pos);
  EXPECT_EQ(replayed_state.applied, pos);
  EXPECT_EQ(replayed_state.digest, state.digest);
  EXPECT_EQ(Dump(restored->live()), replayed);
  EXPECT_FALSE(replayed.empty());
}

TEST(SnapshotIntegrationTest, TrimmedLogBootstrapsFreshAndReturningReplicas) {
  TempDir backup;
  Cluster c(2, false,
            {"--backup", "dir://" + backup.path(), "--snapshot-every-entries", "100",
             "--heartbeat-ms", "100", "--maintenance-ms", "100", "--trim-hold-ms", "1000"});
  HttpClient a = c.node(0).Client();
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(a.Request("POST", "/v1/fs/log?op=append", "early;")->status, 200);
  ASSERT_TRUE(WaitFor(
      [&] {
        return Json(*c.node(1).Client().Get("/readyz"))["applied"] ==
               Json(*a.Get("/readyz"))["applied"];
      },
      10s));
  c.node(1).Stop();  // stopped before the trim, and held for 1 s after
  for (int i = 0; i < 300; ++i)
    ASSERT_EQ(a.Request("POST", "/v1/fs/log?op=append", "later;")->status, 200);
  // A snapshot covers the writes, and the log is trimmed below it.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto v = Json(*a.Get("/v1/cluster"));
        return v["log"]["entries_added"].get<uint64_t>() == 320 &&
               v["log"]["length"].get<uint64_t>() < 100;
      },
      20s))
      << a.Get("/v1/cluster")->body;
  auto snaps = Json(*a.Get("/v1/admin/snapshots"))["snapshots"];
  ASSERT_FALSE(snaps.empty());
  std::string want = a.Get("/v1/fs/log?consistency=strong")->body;
  ASSERT_EQ(want.size(), 20 * 6 + 300 * 6u);

  c.node(1).Start();  // returns behind the trimmed log: restores, then catches up
  ASSERT_TRUE(c.node(1).WaitReady());
  HttpClient b = c.node(1).Client();
  EXPECT_EQ(b.Get("/v1/fs/log?consistency=strong")->body, want);
  ServeProcess& fresh = c.AddReplica("fresh");  // starts empty against the trimmed log
  ASSERT_TRUE(fresh.WaitReady());
  HttpClient f = fresh.Client();
  EXPECT_EQ(f.Get("/v1/fs/log?consistency=strong")->body, want);
  ASSERT_EQ(a.Request("POST", "/v1/fs/log?op=append", "after;")->status, 200);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto ra = Json(*a.Get("/readyz")), rb = Json(*b.Get("/readyz")),
             rf = Json(*f.Get("/readyz"));
        return ra["digest"] == rb["digest"] && ra["digest"] == rf["digest"] &&
               ra["applied"] == rf["applied"];
      },
      10s));
  std::ifstream log(c.node(1).log_path());
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("restored snapshot"), std::string::npos);
}

// Replicas started while writes go on and the lease holder snapshots and
// trims every few entries: each restores a snapshot and keeps up. A
// starting replica announces its store before it checks that the log
// follows it, and the holder trims below every live announcement, so the
// log is not trimmed past it between its restore and its first read.
TEST(SnapshotIntegrationTest, ReplicasStartingWhileTheLogIsTrimmedKeepUp) {
  TempDir backup;
  Cluster c(1, false,
            {"--backup", "dir://" + backup.path(), "--snapshot-every-entries", "20",
             "--heartbeat-ms", "100", "--maintenance-ms", "20"});
  HttpClient a = c.node(0).Client();
  std::atomic<bool> writing{true};
  std::atomic<int> appended{0};
  std::thread writer([&] {
    HttpClient w = c.node(0).Client();
    while (writing) {
      auto r = w.Request("POST", "/v1/fs/log?op=append", "x;");
      if (r.ok() && r->status == 200) ++appended;
    }
  });
  // Stops the writer however the test ends (a failed ASSERT returns early).
  struct StopWriter {
    std::atomic<bool>& writing;
    std::thread& writer;
    ~StopWriter() {
      writing = false;
      if (writer.joinable()) writer.join();
    }
  } stop_writer{writing, writer};
  ASSERT_TRUE(WaitFor([&] { return appended > 0; }, 20s));
  // The view's log fields appear with the agent's first round; "0-0" is a
  // view of the log from before the first append.
  auto first_of_log = [&] {
    json log = Json(*a.Get("/v1/cluster"))["log"];
    std::string first = log["first"].is_string() ? log["first"].get<std::string>() : "";
    return first == "0-0" ? std::string() : first;
  };
  std::string first_entry;
  ASSERT_TRUE(WaitFor([&] { return !(first_entry = first_of_log()).empty(); }, 20s));
  std::vector<ServeProcess*> fresh;
  for (int i = 0; i < 3; ++i) {
    int before = appended;
    ASSERT_TRUE(WaitFor([&] { return appended >= before + 50; }, 20s));
    // The log was trimmed: a fresh replica must restore a snapshot.
    ASSERT_TRUE(WaitFor(
        [&] {
          std::string first = first_of_log();
          return !first.empty() && first != first_entry;
        },
        20s));
    fresh.push_back(&c.AddReplica("fresh" + std::to_string(i)));
  }
  std::vector<bool> ready;
  for (auto* f : fresh) ready.push_back(f->WaitReady(30s));
  int before = appended;
  bool more = WaitFor([&] { return appended >= before + 50; }, 20s);
  writing = false;
  writer.join();
  ASSERT_TRUE(more);
  for (size_t i = 0; i < fresh.size(); ++i) {
    std::ifstream log(fresh[i]->log_path());
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    ASSERT_TRUE(ready[i]) << "replica " << i << " did not become ready:\n" << text;
    EXPECT_NE(text.find("restored snapshot"), std::string::npos)
        << fresh[i]->log_path() << ": " << text;
  }
  std::string want = a.Get("/v1/fs/log?consistency=strong")->body;
  EXPECT_EQ(want.size(), 2u * appended);
  for (auto* f : fresh) {
    HttpClient h = f->Client();
    EXPECT_EQ(h.Get("/v1/fs/log?consistency=strong")->body, want);
    EXPECT_TRUE(WaitFor(
        [&] { return Json(*h.Get("/readyz"))["digest"] == Json(*a.Get("/readyz"))["digest"]; },
        10s));
  }
}

// A replica that stalls past its heartbeat's TTL leaves the cluster view,
// but the position it last announced holds the trim point for
// --trim-hold-ms (60 s by default): snapshots taken while it is frozen do
// not trim the log past it, and thawed it catches up from the log (trimmed
// past, it would stop "log broken" and need a restart to restore one).
TEST(SnapshotIntegrationTest, AStalledReplicaHoldsTheTrimPointAfterItsHeartbeatLapses) {
  TempDir backup;
  Cluster c(2, false,
            {"--backup", "dir://" + backup.path(), "--snapshot-every-entries", "20",
             "--heartbeat-ms", "100", "--maintenance-ms", "20"});
  HttpClient a = c.node(0).Client();
  HttpClient b = c.node(1).Client();
  for (int i = 0; i < 30; ++i)
    ASSERT_EQ(a.Request("POST", "/v1/fs/log?op=append", "early;")->status, 200);
  std::string held;
  ASSERT_TRUE(WaitFor(
      [&] {
        held = Json(*b.Get("/readyz"))["applied"].get<std::string>();
        return held == Json(*a.Get("/readyz"))["applied"];
      },
      10s));
  // The entries it has applied, as the cluster view counts them.
  std::string id = Json(*b.Get("/v1/cluster")).value("self", "");
  ASSERT_FALSE(id.empty()) << b.Get("/v1/cluster")->body;
  uint64_t held_entries = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        json view = Json(*a.Get("/v1/cluster"));
        for (const auto& r : view["replicas"])
          if (r["id"] == id && r["applied"] == held) held_entries = r["entries"].get<uint64_t>();
        return held_entries > 0;
      },
      10s));
  c.node(1).Kill(SIGSTOP);
  struct Thaw {
    ServeProcess& p;
    ~Thaw() { p.Kill(SIGCONT); }
  } thaw{c.node(1)};
  // Its heartbeat lapses (5 intervals): it leaves the view.
  auto listed = [&] {
    json view = Json(*a.Get("/v1/cluster"));
    for (const auto& r : view["replicas"])
      if (r["id"] == id) return true;
    return false;
  };
  ASSERT_TRUE(WaitFor([&] { return !listed(); }, 10s)) << a.Get("/v1/cluster")->body;
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(a.Request("POST", "/v1/fs/log?op=append", "later;")->status, 200);
  // Two on-demand snapshots: the holder's round that takes the first trims
  // after it, before the round that takes the second.
  for (int i = 0; i < 2; ++i) ASSERT_EQ(a.Request("POST", "/v1/admin/snapshots", "")->status, 201);
  json snaps = Json(*a.Get("/v1/admin/snapshots"))["snapshots"];
  ASSERT_FALSE(snaps.empty());
  EXPECT_GT(*Position::Parse(snaps.back()["position"].get<std::string>()), *Position::Parse(held));
  // The log still holds every entry the frozen replica has not applied.
  json log = Json(*a.Get("/v1/cluster"))["log"];
  EXPECT_GE(log["length"].get<uint64_t>() + held_entries, log["entries_added"].get<uint64_t>())
      << log.dump() << " (the frozen replica applied " << held_entries << ")";
  c.node(1).Kill(SIGCONT);
  ASSERT_TRUE(c.node(1).WaitReady(20s));
  std::string want = a.Get("/v1/fs/log?consistency=strong")->body;
  ASSERT_EQ(want.size(), 30 * 6 + 100 * 6u);
  EXPECT_EQ(b.Get("/v1/fs/log?consistency=strong")->body, want);
  EXPECT_TRUE(WaitFor(
      [&] { return Json(*b.Get("/readyz"))["digest"] == Json(*a.Get("/readyz"))["digest"]; }, 10s));
  std::ifstream lf(c.node(1).log_path());
  std::string text((std::istreambuf_iterator<char>(lf)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("log broken"), std::string::npos) << text;
}

// On-demand snapshots taken on any replica let the lease holder trim the
// log to the newest of them (it read the backup store only once before).
// Snapshots alternate between the two replicas, and each round waits for
// its trim, so that whichever holds the lease, one round's snapshot is the
// other replica's.
TEST(SnapshotIntegrationTest, OnDemandSnapshotsOnAnyReplicaLetTheLogBeTrimmed) {
  TempDir backup;
  Cluster c(2, false,
            {"--backup", "dir://" + backup.path(), "--snapshot-every-entries", "0",
             "--snapshot-every-ms", "0", "--heartbeat-ms", "100", "--maintenance-ms", "100"});
  HttpClient a = c.node(0).Client();
  for (int round = 0; round < 3; ++round) {
    HttpClient w = c.node(round % 2).Client();
    for (int i = 0; i < 20; ++i)
      ASSERT_EQ(w.Request("POST", "/v1/fs/log?op=append", "x;")->status, 200);
    // Both replicas have applied everything (the trim waits for the slowest).
    ASSERT_TRUE(WaitFor(
        [&] {
          return Json(*c.node(0).Client().Get("/readyz"))["applied"] ==
                 Json(*c.node(1).Client().Get("/readyz"))["applied"];
        },
        10s));
    auto snap = w.Request("POST", "/v1/admin/snapshots");
    ASSERT_EQ(snap->status, 201) << snap->body;
    Position taken = *Position::Parse(Json(*snap)["position"].get<std::string>());
    EXPECT_TRUE(WaitFor(
        [&] {
          auto first =
              Position::Parse(Json(*a.Get("/v1/cluster"))["log"]["first"].get<std::string>());
          return first && *first >= taken;
        },
        15s))
        << "round " << round << ": " << a.Get("/v1/cluster")->body << "; snapshot at "
        << taken.ToString();
  }
}

TEST(SnapshotIntegrationTest, WithoutASnapshotAReplicaBehindATrimRefusesToStart) {
  Cluster c(1);
  auto log = *OpenLog(c.log_url(), c.dir(), LogOptions{});
  auto conn = std::move(log->Connect()).value();
  HttpClient a = c.node(0).Client();
  for (int i = 0; i < 5; ++i) ASSERT_LT(a.Request("PUT", "/v1/fs/f", "x")->status, 300);
  ServeProcess late(c.dir() + "/late", c.log_url(), "late");
  auto tail = *conn->Tail();
  ASSERT_TRUE(conn->Trim(tail.last).ok());  // by hand, with no snapshot
  EXPECT_THROW(late.Start(), std::runtime_error);
  std::ifstream f(late.log_path());
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("trimmed"), std::string::npos) << text;
}

TEST(SnapshotIntegrationTest, S3BackupsThroughS3rverAndDisasterRecovery) {
  TempDir s3dir;
  std::filesystem::create_directories(s3dir.path() + "/data");
  S3Server s3(s3dir.path() + "/data", "walfs");
  std::vector<std::string> env = {"AWS_ACCESS_KEY_ID=S3RVER", "AWS_SECRET_ACCESS_KEY=S3RVER"};
  std::string url = "s3://walfs/cluster-a";
  Cluster c(2, false,
            {"--backup", url, "--s3-endpoint", s3.endpoint(), "--snapshot-every-entries", "0",
             "--snapshot-every-ms", "0"},
            env);
  HttpClient a = c.node(0).Client();
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(a.Request("POST", "/v1/fs/d/f?op=append", "0123456789")->status, 200);
  ASSERT_EQ(a.Request("PUT", "/v1/fs/d/g", "gee")->status, 201);
  auto snap = a.Request("POST", "/v1/admin/snapshots");
  ASSERT_EQ(snap->status, 201) << snap->body;
  auto listed = RunCli({"--server", c.node(1).url(), "snapshots"});
  ASSERT_EQ(listed.first, 0);
  EXPECT_NE(listed.second.find(Json(*snap)["id"].get<std::string>()), std::string::npos);

  // Disaster: the log is gone. Restore into a new data directory, seed a
  // new, empty Redis from the snapshot, and start a replica there.
  TempDir dr;
  RedisServer fresh_redis(dr.path());
  auto [code, out] = RunCli({"restore", "--backup", url, "--s3-endpoint", s3.endpoint(), "--data",
                             dr.path() + "/r0", "--reseed-log", fresh_redis.url()},
                            env);
  ASSERT_EQ(code, 0) << out;
  ServeProcess revived(dr.path() + "/r0", fresh_redis.url(), "revived");
  revived.Start();
  ASSERT_TRUE(revived.WaitReady());
  HttpClient r = revived.Client();
  EXPECT_EQ(r.Get("/v1/fs/d/g")->body, "gee");
  EXPECT_EQ(r.Get("/v1/fs/d/f")->body.size(), 500u);
  auto w = r.Request("POST", "/v1/fs/d/f?op=append", "more");
  ASSERT_EQ(w->status, 200) << w->body;
  EXPECT_EQ(Json(*w)["offset"], 500);
  ServeProcess second(dr.path() + "/r1", fresh_redis.url(), "second",
                      {"--backup", url, "--s3-endpoint", s3.endpoint()}, env);
  second.Start();  // empty, against a log that starts after the snapshot: bootstraps from S3
  ASSERT_TRUE(second.WaitReady());
  EXPECT_EQ(second.Client().Get("/v1/fs/d/f?consistency=strong")->body.size(), 504u);
}

// A single node on the embedded local log: snapshots trim the local log
// file, and a restart and a fresh data directory both come back whole.
TEST(SnapshotIntegrationTest, SingleNodeLocalLogSnapshotsTrimAndRestart) {
  TempDir dir;
  std::string backup = "dir://" + dir.path() + "/backup";
  ServeProcess node(
      dir.path() + "/data", "local", "solo",
      {"--backup", backup, "--snapshot-every-entries", "50", "--maintenance-ms", "100"});
  node.Start();
  ASSERT_TRUE(node.WaitReady());
  HttpClient c = node.Client();
  std::string log_file = dir.path() + "/data/log/local.log";
  // The size of one append's record, from the first two (no snapshot is
  // due before 50): the 200 appends untrimmed would take 200 of them. The
  // log is trimmed while they are written, so its size at the end is no
  // measure of what it would have held.
  ASSERT_EQ(c.Request("POST", "/v1/fs/f?op=append", "0123456789")->status, 200);
  auto one = std::filesystem::file_size(log_file);
  ASSERT_EQ(c.Request("POST", "/v1/fs/f?op=append", "0123456789")->status, 200);
  auto record = std::filesystem::file_size(log_file) - one;
  ASSERT_GT(record, 10u);
  for (int i = 2; i < 200; ++i)
    ASSERT_EQ(c.Request("POST", "/v1/fs/f?op=append", "0123456789")->status, 200);
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::file_size(log_file) < 100 * record; }, 20s))
      << "the local log was not trimmed: " << std::filesystem::file_size(log_file)
      << " bytes, records of " << record;
  json cluster;
  EXPECT_TRUE(WaitFor(  // the view is refreshed once a heartbeat
      [&] {
        cluster = Json(*c.Get("/v1/cluster"));
        return cluster["log"]["entries_added"] == 200 &&
               cluster["log"]["length"].get<uint64_t>() < 100;
      },
      10s))
      << cluster.dump();
  ASSERT_EQ(node.Stop(), 0);
  node.Start();  // reopens the trimmed file: its first record follows a trimmed one
  ASSERT_TRUE(node.WaitReady());
  HttpClient again = node.Client();
  EXPECT_EQ(again.Get("/v1/fs/f")->body.size(), 2000u);
  EXPECT_EQ(again.Request("POST", "/v1/fs/f?op=append", "tail")->status, 200);
  EXPECT_EQ(again.Get("/v1/fs/f")->body.size(), 2004u);
}

TEST(SigV4Test, RequestSigningMatchesBotocore) {
  TempDir dir;
  int port = FreePort();
  std::string results = dir.path() + "/results.txt";
  Process verifier(
      {"/usr/bin/python3", std::string(WALFS_SOURCE_DIR) + "/tests/integration/sigv4_verify.py",
       std::to_string(port), "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "eu-west-3",
       results},
      dir.path() + "/verifier.log");
  ASSERT_TRUE(WaitFor([&] { return PortAcceptsConnections(port); }, 20s));
  S3Options o;
  o.endpoint = "http://127.0.0.1:" + std::to_string(port);
  o.region = "eu-west-3";
  o.access_key = "AKIDEXAMPLE";
  o.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  auto store = std::move(OpenS3Store("s3://bucket/pre fix", o)).value();
  EXPECT_TRUE(store->PutBytes("snapshots/a b+c=d.txt", "payload bytes").ok());
  std::string local = dir.path() + "/upload.bin";
  std::ofstream(local) << std::string(3 << 20, 'z');
  EXPECT_TRUE(store->PutFile("snapshots/big.sst", local).ok());
  EXPECT_TRUE(store->GetBytes("snapshots/a b+c=d.txt").ok());
  EXPECT_TRUE(store->List("snapshots/").ok());
  EXPECT_TRUE(store->Delete("snapshots/big.sst").ok());
  o.secret_key = "wrong";
  auto bad = std::move(OpenS3Store("s3://bucket/x", o)).value();
  EXPECT_FALSE(bad->PutBytes("k", "v").ok());  // the verifier must be able to say no
  std::ifstream f(results);
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 6u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(lines[i].substr(0, 3), "ok ") << lines[i];
  EXPECT_EQ(lines[5].substr(0, 4), "BAD ") << lines[5];
}

}  // namespace
}  // namespace walfs::testing
