// Writes of any size through real `walfs serve` processes on a real
// redis-server, driven by curl: bodies over one entry streamed into staged
// chunks, uploads in parts across replicas, and what a cut body, a killed
// server and expiry leave behind. (The 2 GiB and 10 GiB cases are in make
// faults: tests/faults/large_files_test.cc.)
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

#include "core/position.h"
#include "integration/harness.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

std::string Sha256Of(const std::string& cmd) {
  auto [st, out] = Shell(cmd + " | sha256sum");
  return out.substr(0, 64);
}

void MakeFile(const std::string& path, uint64_t bytes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::ofstream f(path, std::ios::binary);
  std::string block(1 << 16, '\0');
  for (uint64_t left = bytes; left > 0;) {
    for (size_t i = 0; i < block.size(); i += 8) {
      uint64_t v = rng();
      std::memcpy(block.data() + i, &v, 8);
    }
    size_t n = static_cast<size_t>(std::min<uint64_t>(left, block.size()));
    f.write(block.data(), static_cast<std::streamsize>(n));
    left -= n;
  }
}

// curl's status code and body for a request.
std::pair<int, std::string> Curl(const std::string& args) {
  auto [st, out] = Shell("curl -s -w '\\n%{http_code}' " + args);
  size_t nl = out.rfind('\n');
  return {std::atoi(out.c_str() + nl + 1), out.substr(0, nl)};
}

bool Converged(Cluster& c) {
  json first;
  for (size_t i = 0; i < c.size(); ++i) {
    HttpClient cl = c.node(i).Client();
    json r = Ready(cl);
    if (!r.is_object() || r.value("status", "") != "ready" || r["applied"] != r["log_last"]) {
      return false;
    }
    if (i == 0) first = r;
    if (r["applied"] != first["applied"] || r["digest"] != first["digest"]) return false;
  }
  return true;
}

json Uploads(ServeProcess& n) {
  HttpClient cl = n.Client();
  auto r = cl.Get("/v1/uploads");
  return r.ok() && r->status == 200 ? Json(*r)["uploads"] : json();
}

const std::vector<std::string> kSmallEntries = {"--max-entry-bytes", "1048576"};

TEST(LargeWriteTest, BodiesOverOneEntryStreamThroughOneReplicaAndReadFromAnother) {
  Cluster c(3, false, kSmallEntries);
  TempDir dir;
  std::string big = dir.path() + "/big", tail = dir.path() + "/tail";
  MakeFile(big, 48ull << 20, 1);
  MakeFile(tail, (3ull << 20) + 17, 2);  // not a multiple of the block size
  auto [put_status, put_body] = Curl("-X PUT --data-binary @" + big + " '" + c.node(0).url() +
                                     "/v1/fs/data/big.bin?timeout_ms=60000'");
  ASSERT_EQ(put_status, 201) << put_body;
  EXPECT_EQ(json::parse(put_body)["size"], 48ull << 20);
  std::string url2 = c.node(2).url() + "/v1/fs/data/big.bin";
  EXPECT_EQ(Sha256Of("curl -sf '" + url2 + "?consistency=strong'"), Sha256Of("cat " + big));
  auto [head_status, head] = Shell("curl -sI " + url2);
  EXPECT_NE(head.find("Content-Length: 50331648"), std::string::npos) << head;
  EXPECT_EQ(Sha256Of("curl -sf -r 50331000- " + url2), Sha256Of("tail -c 648 " + big));

  // A chunked append (length unknown to the server) while small appends go
  // to the same file through another replica: the big one lands whole,
  // before or after each small one, never between its bytes.
  Process slow({"curl", "-s", "-o", dir.path() + "/append.json", "-X", "POST", "-H",
                "Transfer-Encoding: chunked", "--limit-rate", "4M", "--data-binary", "@" + tail,
                c.node(1).url() + "/v1/fs/data/big.bin?op=append&timeout_ms=60000"});
  int small = 0;
  HttpClient c2 = c.node(2).Client();
  while (slow.running() && small < 500) {
    auto r = c2.Request("POST", "/v1/fs/data/big.bin?op=append", "x\n");
    ASSERT_TRUE(r.ok() && r->status == 200);
    ++small;
  }
  ASSERT_EQ(slow.Wait(60s), 0);
  std::ifstream af(dir.path() + "/append.json");
  std::string text((std::istreambuf_iterator<char>(af)), std::istreambuf_iterator<char>());
  json answer = json::parse(text, nullptr, false);
  ASSERT_TRUE(answer.is_object() && answer.contains("offset")) << text;
  uint64_t at = answer["offset"].get<uint64_t>();
  uint64_t total = (48ull << 20) + (3ull << 20) + 17 + 2ull * static_cast<uint64_t>(small);
  std::string dl = dir.path() + "/dl";
  ASSERT_EQ(Shell("curl -sf -o " + dl + " '" + url2 + "?consistency=strong'").first, 0);
  std::ifstream f(dl, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_EQ(got.size(), total);
  std::ifstream tf(tail, std::ios::binary);
  std::string want_tail((std::istreambuf_iterator<char>(tf)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(got.compare(at, want_tail.size(), want_tail) == 0)
      << "the append is not whole at " << at;
  std::string rest =
      got.substr(48ull << 20, at - (48ull << 20)) + got.substr(at + want_tail.size());
  EXPECT_EQ(rest, [&] {
    std::string s;
    for (int i = 0; i < small; ++i) s += "x\n";
    return s;
  }());
  EXPECT_GT(small, 0);
  EXPECT_TRUE(WaitFor([&] { return Converged(c); }, 20s));
  EXPECT_TRUE(Uploads(c.node(0)).empty());
}

TEST(LargeWriteTest, ACutBodyOrAKilledServerLeavesTheOldContentAndExpiryFreesTheRest) {
  Cluster c(2, false, {"--max-entry-bytes", "1048576", "--upload-expiry-ms", "1500"});
  HttpClient c0 = c.node(0).Client(), c1 = c.node(1).Client();
  ASSERT_EQ(c0.Request("PUT", "/v1/fs/f", "old")->status, 201);

  // The client goes away after 5 MiB of a 16 MiB body.
  std::string head = "PUT /v1/fs/f HTTP/1.1\r\nHost: x\r\nContent-Length: 16777216\r\n\r\n";
  RawExchange(c.node(0).port(), head + std::string(5 << 20, 'n'));
  EXPECT_EQ(StrongRead(c1, "/f"), "old");
  // The server gave up the upload at once.
  EXPECT_TRUE(WaitFor([&] { return Uploads(c.node(1)).empty(); }, 10s));

  // A server killed in the middle of a body.
  TempDir dir;
  std::string big = dir.path() + "/big";
  MakeFile(big, 32ull << 20, 3);
  Process slow({"curl", "-s", "-o", "/dev/null", "-X", "PUT", "--limit-rate", "4M", "--data-binary",
                "@" + big, c.node(0).url() + "/v1/fs/f"});
  ASSERT_TRUE(WaitFor(
      [&] {
        json u = Uploads(c.node(1));
        return u.size() == 1 && u[0]["staged_bytes"].get<uint64_t>() > (2u << 20);
      },
      20s));
  c.node(0).Kill(SIGKILL);
  slow.Wait(10s);
  c.node(0).Stop();
  c.node(0).Start();
  ASSERT_TRUE(c.node(0).WaitReady());
  EXPECT_EQ(StrongRead(c0, "/f"), "old");
  EXPECT_EQ(StrongRead(c1, "/f"), "old");
  // The upload stays open until its expiry (log time: decided at the next
  // entry past it), then every replica frees it at the same position.
  ASSERT_TRUE(WaitFor(
      [&] {
        (void)c1.Request("POST", "/v1/fs/tick?op=append", ".");
        return Uploads(c.node(0)).empty() && Uploads(c.node(1)).empty();
      },
      20s));
  EXPECT_TRUE(WaitFor([&] { return Converged(c); }, 20s));
  ASSERT_TRUE(WaitFor(
      [&] {
        auto m = c0.Get("/metrics");
        return m.ok() && m->body.find("walfs_upload_staged_bytes 0") != std::string::npos;
      },
      10s));
}

TEST(LargeWriteTest, UploadsInPartsAcrossReplicas) {
  Cluster c(3, false, {"--max-entry-bytes", "1048576", "--max-part-bytes", "8388608"});
  TempDir dir;
  std::string p1 = dir.path() + "/p1", p1b = dir.path() + "/p1b", p2 = dir.path() + "/p2";
  MakeFile(p1, (4u << 20) + 1, 4);
  MakeFile(p1b, (2u << 20) + 5, 5);
  MakeFile(p2, 1000, 6);
  auto [st, created] = Curl("-X POST -d '{\"path\":\"/parts/file\",\"op\":\"put\"}' " +
                            c.node(0).url() + "/v1/uploads");
  ASSERT_EQ(st, 201) << created;
  std::string id = json::parse(created)["upload_id"];
  std::string base1 = c.node(1).url() + "/v1/uploads/" + id;
  std::string base2 = c.node(2).url() + "/v1/uploads/" + id;
  // Parts in any order, through any replica; a part sent again replaces it.
  auto [s2, part2] = Curl("-X PUT --data-binary @" + p2 + " " + base1 + "/parts/2");
  ASSERT_EQ(s2, 200) << part2;
  EXPECT_EQ(json::parse(part2)["etag"], "\"" + Shell("md5sum " + p2).second.substr(0, 32) + "\"");
  ASSERT_EQ(Curl("-X PUT --data-binary @" + p1 + " " + base2 + "/parts/1").first, 200);
  ASSERT_EQ(Curl("-X PUT --data-binary @" + p1b + " " + base1 + "/parts/1").first, 200);
  // Node 0 sees the replacement once it has applied it (the listing takes
  // no barrier).
  json parts;
  std::string listing;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto [sg, got] = Curl(c.node(0).url() + "/v1/uploads/" + id);
        listing = got;
        if (sg != 200) return false;
        parts = json::parse(got)["parts"];
        return parts.size() == 2u && parts[0]["size"] == (2u << 20) + 5;
      },
      10s))
      << listing;
  EXPECT_EQ(json::parse(Curl(c.node(0).url() + "/v1/uploads?path=/parts").second)["uploads"].size(),
            1u);
  EXPECT_EQ(json::parse(Curl(c.node(0).url() + "/v1/uploads?path=/other").second)["uploads"].size(),
            0u);

  // Bad input: the contract's errors, nothing visible.
  EXPECT_EQ(Curl("-X POST -d '{\"parts\":[1,3]}' " + base2 + "/commit").first, 400);
  EXPECT_EQ(Curl("-X PUT --data-binary @" + p2 + " " + base1 + "/parts/0").first, 400);
  EXPECT_EQ(Curl("-X PUT --data-binary @" + p2 + " " + c.node(1).url() +
                 "/v1/uploads/0123456789abcdef0123456789abcdef/parts/1")
                .first,
            404);
  std::string over = dir.path() + "/over";
  MakeFile(over, 9u << 20, 7);
  EXPECT_EQ(Curl("-X PUT --data-binary @" + over + " " + base1 + "/parts/3").first, 413);
  EXPECT_EQ(
      Curl("-X POST -d '{\"path\":\"/w\",\"op\":\"write\"}' " + c.node(0).url() + "/v1/uploads")
          .first,
      400);
  EXPECT_EQ(Curl("-X POST -d '{\"path\":\"/a/../b\"}' " + c.node(0).url() + "/v1/uploads").first,
            400);
  std::string bad_chunks =
      "PUT /v1/fs/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\nzz\r\nnot hex\r\n0\r\n\r\n";
  EXPECT_NE(RawExchange(c.node(1).port(), bad_chunks).find(" 400 "), std::string::npos);
  HttpClient c0 = c.node(0).Client();
  int status = 0;
  StrongRead(c0, "/parts/file", &status);
  EXPECT_EQ(status, 404);

  // The commit: conditions decided at apply time, the chosen parts in order.
  auto [sc, committed] =
      Curl("-X POST -H 'If-None-Match: *' -d '{\"parts\":[1,2]}' " + base2 + "/commit");
  ASSERT_EQ(sc, 201) << committed;
  EXPECT_EQ(json::parse(committed)["size"], (2u << 20) + 5 + 1000);
  EXPECT_EQ(Sha256Of("curl -sf '" + c.node(0).url() + "/v1/fs/parts/file?consistency=strong'"),
            Sha256Of("cat " + p1b + " " + p2));
  EXPECT_EQ(Curl("-X POST " + base1 + "/commit").first, 404);
  EXPECT_EQ(Curl("-X DELETE " + base1).first, 404);

  // An upload whose target became a directory, and an abort.
  auto [s3, created3] =
      Curl("-X POST -d '{\"path\":\"/t\",\"op\":\"append\"}' " + c.node(0).url() + "/v1/uploads");
  ASSERT_EQ(s3, 201);
  std::string id3 = json::parse(created3)["upload_id"];
  ASSERT_EQ(Curl("-X PUT --data-binary @" + p2 + " " + c.node(1).url() + "/v1/uploads/" + id3 +
                 "/parts/1")
                .first,
            200);
  ASSERT_EQ(c0.Request("POST", "/v1/fs/t?op=mkdir", "")->status, 201);
  auto [s4, refused] = Curl("-X POST " + c.node(2).url() + "/v1/uploads/" + id3 + "/commit");
  EXPECT_EQ(s4, 409) << refused;
  EXPECT_EQ(json::parse(refused)["error"], "is_a_directory");
  EXPECT_EQ(Curl("-X DELETE " + c.node(2).url() + "/v1/uploads/" + id3).first, 200);
  EXPECT_TRUE(Uploads(c.node(1)).empty());
  EXPECT_TRUE(WaitFor([&] { return Converged(c); }, 20s));
}

// An upload outlives a replica killed with SIGKILL: the parts it
// acknowledged are kept (they are in the log and the store), and the upload
// resumes through the restarted replica.
TEST(LargeWriteTest, AcknowledgedPartsSurviveAKilledReplica) {
  Cluster c(2, false, kSmallEntries);
  TempDir dir;
  std::string p1 = dir.path() + "/p1", p2 = dir.path() + "/p2";
  MakeFile(p1, (3u << 20) + 3, 9);
  MakeFile(p2, (2u << 20) + 1, 10);
  auto [st, created] = Curl("-X POST -d '{\"path\":\"/kept\"}' " + c.node(0).url() + "/v1/uploads");
  ASSERT_EQ(st, 201) << created;
  std::string id = json::parse(created)["upload_id"];
  auto [s1, part1] = Curl("-X PUT --data-binary @" + p1 + " " + c.node(0).url() + "/v1/uploads/" +
                          id + "/parts/1");
  ASSERT_EQ(s1, 200) << part1;
  c.node(0).Kill(SIGKILL);
  c.node(0).Stop();
  c.node(0).Start();
  ASSERT_TRUE(c.node(0).WaitReady());
  auto [sg, listing] = Curl(c.node(0).url() + "/v1/uploads/" + id);
  ASSERT_EQ(sg, 200) << listing;
  json parts = json::parse(listing)["parts"];
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0]["etag"], json::parse(part1)["etag"]);
  ASSERT_EQ(
      Curl("-X PUT --data-binary @" + p2 + " " + c.node(0).url() + "/v1/uploads/" + id + "/parts/2")
          .first,
      200);
  auto [sc, committed] = Curl("-X POST " + c.node(1).url() + "/v1/uploads/" + id + "/commit");
  ASSERT_EQ(sc, 201) << committed;
  EXPECT_EQ(Sha256Of("curl -sf '" + c.node(0).url() + "/v1/fs/kept?consistency=strong'"),
            Sha256Of("cat " + p1 + " " + p2));
  EXPECT_TRUE(WaitFor([&] { return Converged(c); }, 20s));
}

// Every byte passes through the log: snapshots by bytes written let it be
// trimmed during a large write (the staged chunks are state, in the
// snapshots), and a replica that starts from a snapshot reads the file.
TEST(LargeWriteTest, SnapshotsByBytesKeepTheLogShortDuringALargeWrite) {
  TempDir backup;
  Cluster c(2, false,
            {"--max-entry-bytes", "1048576", "--backup", "dir://" + backup.path(),
             "--snapshot-every-entries", "0", "--snapshot-every-ms", "0", "--snapshot-every-bytes",
             "8388608", "--maintenance-ms", "100", "--heartbeat-ms", "100"});
  TempDir dir;
  std::string big = dir.path() + "/big";
  MakeFile(big, 64ull << 20, 8);
  HttpClient c0 = c.node(0).Client();
  uint64_t most = 0;
  Process slow({"curl", "-s", "-o", dir.path() + "/put.json", "-X", "PUT", "--limit-rate", "16M",
                "--data-binary", "@" + big, c.node(0).url() + "/v1/fs/big?timeout_ms=60000"});
  while (slow.running()) {
    auto v = c0.Get("/v1/cluster");
    if (v.ok() && Json(*v)["log"].contains("bytes")) {
      most = std::max(most, Json(*v)["log"]["bytes"].get<uint64_t>());
    }
  }
  ASSERT_EQ(slow.Wait(60s), 0);
  std::ifstream pf(dir.path() + "/put.json");
  std::string answer((std::istreambuf_iterator<char>(pf)), std::istreambuf_iterator<char>());
  ASSERT_EQ(json::parse(answer, nullptr, false).value("size", uint64_t{0}), 64ull << 20) << answer;
  // Snapshots were taken as the bytes came, and the log was trimmed below
  // them: it never held the whole file.
  EXPECT_GE(Json(*c0.Get("/v1/admin/snapshots"))["snapshots"].size(), 2u);
  EXPECT_GT(most, 0u);
  EXPECT_LT(most, 56ull << 20) << "the log held " << most << " bytes";
  auto m = c0.Get("/metrics");
  EXPECT_NE(m->body.find("walfs_log_bytes "), std::string::npos);
  // A replica started from a snapshot reads the file back, while writes
  // go on and the lease holder keeps snapshotting and trimming: the fresh
  // replica announces its store before it checks the log, so it is not
  // trimmed past between its restore and its first read.
  std::atomic<bool> writing{true};
  std::atomic<int> appended{0};
  std::thread writer([&] {
    HttpClient w = c.node(1).Client();
    std::string piece(256 << 10, 'a');
    while (writing) {
      auto r = w.Request("POST", "/v1/fs/more?op=append", piece);
      if (r.ok() && r->status == 200) ++appended;
    }
  });
  ServeProcess& fresh = c.AddReplica("fresh");  // starts from a snapshot
  bool ready = fresh.WaitReady(60s);
  int before = appended;
  // Writes go on past the fresh replica's start: it keeps up through trims.
  bool more = WaitFor([&] { return appended >= before + 64; }, 60s);
  writing = false;
  writer.join();
  ASSERT_TRUE(ready) << "the fresh replica did not become ready; its log: " << fresh.log_path();
  ASSERT_TRUE(more);
  EXPECT_GE(Json(*c0.Get("/v1/admin/snapshots"))["snapshots"].size(), 3u);
  HttpClient cf = fresh.Client();
  auto m0 = c0.Get("/v1/fs/more?stat&consistency=strong");
  auto mf = cf.Get("/v1/fs/more?stat&consistency=strong");
  ASSERT_TRUE(m0.ok() && mf.ok());
  EXPECT_EQ(Json(*mf)["size"], Json(*m0)["size"]) << mf->body;
  EXPECT_EQ(Json(*m0)["size"].get<uint64_t>(), uint64_t(appended) * (256 << 10));
  std::string got = dir.path() + "/got";
  auto [status, _] = Curl("-o " + got + " '" + fresh.url() + "/v1/fs/big?consistency=strong'");
  std::ifstream lf(fresh.log_path());
  std::string log((std::istreambuf_iterator<char>(lf)), std::istreambuf_iterator<char>());
  EXPECT_EQ(status, 200) << Shell("head -c 300 " + got).second << "\n" << log;
  EXPECT_EQ(Sha256Of("cat " + got), Sha256Of("cat " + big));
}

}  // namespace
}  // namespace walfs::testing
