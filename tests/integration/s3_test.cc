// The S3 endpoint with clients walfs did not write: Debian's aws cli and
// python3-boto3 (tests/integration/s3_scenarios.py), against real walfs
// processes on a real Redis.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "auth/crypto.h"
#include "core/hash.h"
#include "integration/harness.h"
#include "s3/checksum.h"

namespace walfs::testing {
namespace {

using nlohmann::json;

// A replica serving S3 too, on a port of its own.
struct S3Replica {
  S3Replica(const std::string& dir, const std::string& log, const std::string& id,
            std::vector<std::string> extra = {})
      : s3_port(FreePort()) {
    extra.insert(extra.end(), {"--s3-listen", "127.0.0.1:" + std::to_string(s3_port)});
    proc = std::make_unique<ServeProcess>(dir, log, id, extra);
    proc->Start();
    EXPECT_TRUE(WaitFor([&] { return PortAcceptsConnections(s3_port); }, std::chrono::seconds(20)));
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(s3_port); }
  int s3_port;
  std::unique_ptr<ServeProcess> proc;
};

// Three replicas serving S3 on one Redis stream; endpoints: their S3 URLs,
// comma-separated.
struct S3Cluster {
  S3Cluster(const std::string& dir, int redis_port, const std::string& stream) {
    std::string log = "redis://127.0.0.1:" + std::to_string(redis_port) + "?stream=" + stream;
    for (int i = 0; i < 3; ++i) {
      replicas.push_back(std::make_unique<S3Replica>(dir + "/r" + std::to_string(i), log,
                                                     "r" + std::to_string(i)));
      endpoints += (i ? "," : "") + replicas.back()->endpoint();
    }
  }
  std::vector<std::unique_ptr<S3Replica>> replicas;
  std::string endpoints;
};

std::pair<int, std::string> Scenario(const std::string& name, const std::string& endpoints,
                                     const std::string& keys = "") {
  return Shell("/usr/bin/python3 " + std::string(WALFS_SOURCE_DIR) +
               "/tests/integration/s3_scenarios.py " + name + " " + endpoints + " " + keys +
               " 2>&1");
}

TEST(S3Test, Boto3SeesBucketsObjectsListingsAndS3sErrors) {
  TempDir dir;
  S3Replica r(dir.path() + "/r", "local", "r");
  ASSERT_TRUE(r.proc->WaitReady());
  auto [rc, out] = Scenario("basics", r.endpoint());
  EXPECT_EQ(rc, 0) << out;
  // The same namespace through the HTTP API.
  HttpClient c = r.proc->Client();
  auto got = c.Get("/v1/fs/basics/dir/a.txt");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "hello, walfs");
}

std::string Sha256Of(const std::string& path);

TEST(S3Test, TheAwsCliCopiesListsAndRemoves) {
  TempDir dir;
  S3Replica r(dir.path() + "/r", "local", "r");
  ASSERT_TRUE(r.proc->WaitReady());
  const std::string aws =
      "AWS_ACCESS_KEY_ID=walfs AWS_SECRET_ACCESS_KEY=unchecked "
      "AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null "
      "/usr/bin/aws --endpoint-url " +
      r.endpoint() + " s3 ";
  std::string file = dir.path() + "/blob";
  std::string blob = RandomBytes(300 << 10);
  std::ofstream(file, std::ios::binary) << blob;
  auto run = [&](const std::string& args) {
    auto [rc, out] = Shell(aws + args + " 2>&1");
    EXPECT_EQ(rc, 0) << args << ": " << out;
    return out;
  };
  run("mb s3://cli-bucket");
  run("cp " + file + " s3://cli-bucket/a/blob.bin");
  run("cp " + file + " s3://cli-bucket/top.bin");
  EXPECT_NE(run("ls s3://cli-bucket").find("PRE a/"), std::string::npos);
  std::string all = run("ls --recursive s3://cli-bucket");
  EXPECT_NE(all.find("a/blob.bin"), std::string::npos) << all;
  EXPECT_NE(all.find("top.bin"), std::string::npos) << all;
  run("cp s3://cli-bucket/a/blob.bin " + dir.path() + "/back");
  std::ifstream in(dir.path() + "/back", std::ios::binary);
  std::string back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(ToHex(Sha256(back)), ToHex(Sha256(blob)));
  // 20 MiB: the cli's multipart upload (8 MiB parts) and download.
  std::string big_file = dir.path() + "/big";
  std::string big = RandomBytes(20 << 20);
  std::ofstream(big_file, std::ios::binary) << big;
  run("cp " + big_file + " s3://cli-bucket/big.bin");
  run("cp s3://cli-bucket/big.bin " + dir.path() + "/big-back");
  EXPECT_EQ(Sha256Of(dir.path() + "/big-back"), ToHex(Sha256(big)));
  auto [hrc, head] =
      Shell(aws.substr(0, aws.size() - 3) + "s3api head-object --bucket cli-bucket --key big.bin");
  EXPECT_EQ(hrc, 0) << head;
  EXPECT_NE(head.find("-3\\\""), std::string::npos) << head;  // a multipart ETag, 3 parts
  run("rm s3://cli-bucket/top.bin");
  EXPECT_EQ(run("ls --recursive s3://cli-bucket").find("top.bin"), std::string::npos);
  auto [rc, out] = Shell(aws + "rb s3://cli-bucket 2>&1");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("BucketNotEmpty"), std::string::npos) << out;
  run("rb --force s3://cli-bucket");
  EXPECT_EQ(run("ls").find("cli-bucket"), std::string::npos);
}

// The bytes of a file, and its sha256 in hex.
std::string Sha256Of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ToHex(Sha256(bytes));
}

// A tree of files to copy: two small ones and one of 20 MiB (multipart in
// 5 MiB parts for both clients).
std::string MakeTree(const std::string& root) {
  std::filesystem::create_directories(root + "/sub");
  std::ofstream(root + "/a.txt") << "hello\n";
  std::ofstream(root + "/sub/b.txt") << "there\n";
  std::ofstream(root + "/big.bin", std::ios::binary) << RandomBytes(20 << 20);
  return Sha256Of(root + "/big.bin");
}

TEST(S3Test, S3cmdPutsSyncsGetsAndRemoves) {
  TempDir dir;
  S3Replica r(dir.path() + "/r", "local", "r");
  ASSERT_TRUE(r.proc->WaitReady());
  std::string want = MakeTree(dir.path() + "/src");
  std::string host = "127.0.0.1:" + std::to_string(r.s3_port);
  std::ofstream(dir.path() + "/s3cfg") << "[default]\naccess_key = walfs\nsecret_key = unchecked\n"
                                       << "host_base = " << host << "\nhost_bucket = " << host
                                       << "\nuse_https = False\nsignature_v2 = False\n"
                                       << "multipart_chunk_size_mb = 5\n";
  auto run = [&](const std::string& args) {
    auto [rc, out] = Shell("/usr/bin/s3cmd -c " + dir.path() + "/s3cfg " + args + " 2>&1");
    EXPECT_EQ(rc, 0) << args << ": " << out;
    return out;
  };
  run("mb s3://s3cmd-bucket");
  run("put " + dir.path() + "/src/big.bin s3://s3cmd-bucket/big.bin");
  run("put -r " + dir.path() + "/src/ s3://s3cmd-bucket/tree/");
  std::string ls = run("ls -r s3://s3cmd-bucket");
  for (const char* key : {"big.bin", "tree/a.txt", "tree/sub/b.txt", "tree/big.bin"}) {
    EXPECT_NE(ls.find(std::string("s3://s3cmd-bucket/") + key), std::string::npos) << ls;
  }
  // A sync of an unchanged tree uploads nothing: the listing's MD5s match.
  std::string sync = run("sync " + dir.path() + "/src/ s3://s3cmd-bucket/tree/");
  EXPECT_EQ(sync.find("upload:"), std::string::npos) << sync;
  run("get s3://s3cmd-bucket/tree/big.bin " + dir.path() + "/back.bin");
  EXPECT_EQ(Sha256Of(dir.path() + "/back.bin"), want);
  std::string info = run("info s3://s3cmd-bucket/tree/a.txt");
  EXPECT_NE(info.find(ToHex(Md5("hello\n"))), std::string::npos) << info;
  run("del -r --force s3://s3cmd-bucket");
  run("rb s3://s3cmd-bucket");
  EXPECT_EQ(run("ls").find("s3cmd-bucket"), std::string::npos);
}

TEST(S3Test, RcloneCopiesChecksAndPurges) {
  TempDir dir;
  S3Replica r(dir.path() + "/r", "local", "r");
  ASSERT_TRUE(r.proc->WaitReady());
  std::string want = MakeTree(dir.path() + "/src");
  // (AWS_CA_BUNDLE, if the environment sets one, makes rclone refuse a
  // plain-HTTP endpoint.)
  const std::string rclone =
      "env -u AWS_CA_BUNDLE RCLONE_CONFIG_W_TYPE=s3 RCLONE_CONFIG_W_PROVIDER=Other "
      "RCLONE_CONFIG_W_ACCESS_KEY_ID=walfs RCLONE_CONFIG_W_SECRET_ACCESS_KEY=unchecked "
      "RCLONE_CONFIG_W_ENDPOINT=" +
      r.endpoint() +
      " /usr/bin/rclone --config /dev/null --s3-upload-cutoff 5M --s3-chunk-size 5M ";
  auto run = [&](const std::string& args) {
    auto [rc, out] = Shell(rclone + args + " 2>&1");
    EXPECT_EQ(rc, 0) << args << ": " << out;
    return out;
  };
  run("mkdir w:rclone-bucket");
  run("copy " + dir.path() + "/src w:rclone-bucket/dir");
  // check compares sizes and MD5s (the ETag of a whole write, rclone's own
  // metadata for a multipart one).
  std::string check = run("check " + dir.path() + "/src w:rclone-bucket/dir");
  EXPECT_NE(check.find("0 differences found"), std::string::npos) << check;
  EXPECT_NE(check.find("3 matching files"), std::string::npos) << check;
  std::string lsf = run("lsf -R --files-only w:rclone-bucket");
  EXPECT_EQ(lsf, "dir/a.txt\ndir/big.bin\ndir/sub/b.txt\n");
  run("copy w:rclone-bucket/dir " + dir.path() + "/back");
  EXPECT_EQ(Sha256Of(dir.path() + "/back/big.bin"), want);
  run("purge w:rclone-bucket");
  EXPECT_EQ(run("lsd w:").find("rclone-bucket"), std::string::npos);
}

// aws-chunked framing of data: unsigned chunks with a trailer, or chunks
// with (unchecked) signatures.
// data in aws-chunked framing, chunk bytes a chunk, ending with trailer
// ("name:value", empty: none).
std::string AwsChunked(const std::string& data, size_t chunk, bool signed_chunks,
                       const std::string& trailer) {
  std::string out, zeros(64, '0');
  auto line = [&](size_t n) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx", n);
    out += hex;
    if (signed_chunks) out += ";chunk-signature=" + zeros;
    out += "\r\n";
  };
  for (size_t at = 0; at < data.size(); at += chunk) {
    size_t n = std::min(chunk, data.size() - at);
    line(n);
    out += data.substr(at, n) + "\r\n";
  }
  line(0);
  if (!trailer.empty()) out += trailer + "\r\n";
  return out + "\r\n";
}

std::string Crc32Of(const std::string& data) {
  Checksum c(ChecksumKind::kCrc32);
  c.Update(data);
  return c.Base64();
}

TEST(S3Test, AwsChunkedBodiesAreDecodedWithoutAuthentication) {
  // Newer SDKs send aws-chunked bodies: without --auth their signatures
  // are not checked, but the framing must never become the object's bytes,
  // and a checksum trailer is checked and stored as a header would be.
  TempDir dir;
  S3Replica r(dir.path() + "/r", "local", "r");
  ASSERT_TRUE(r.proc->WaitReady());
  ASSERT_EQ(Shell("curl -sf -X PUT " + r.endpoint() + "/chunked").first, 0);
  const std::string auth =
      " -H 'Authorization: AWS4-HMAC-SHA256 Credential=walfs/20261202/us-east-1/s3/aws4_request, "
      "SignedHeaders=host, Signature=00' -H 'Content-Encoding: aws-chunked' ";
  struct Case {
    std::string key;
    std::string data;
    bool signed_chunks;
    std::string trailer;  // the checksum after the body; x-amz-trailer announces one if set
    std::string error;    // the S3 error expected, or empty
  };
  std::string small = "hello", big = RandomBytes(6 << 20);  // big: streamed
  std::vector<Case> cases = {
      {"small-unsigned", small, false, "x-amz-checksum-crc32:" + Crc32Of(small), ""},
      {"small-signed", small, true, "", ""},
      {"big-unsigned", big, false, "x-amz-checksum-crc32:" + Crc32Of(big), ""},
      {"big-signed", big, true, "", ""},
      {"small-wrong", small, false, "x-amz-checksum-crc32:AAAAAA==", "BadDigest"},
      {"big-wrong", big, false, "x-amz-checksum-crc32:AAAAAA==", "BadDigest"},
      {"small-missing", small, false, "x-amz-checksum-crc32:", "InvalidRequest"},
      {"big-missing", big, false, "x-amz-checksum-crc32:", "InvalidRequest"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.key);
    std::string file = dir.path() + "/" + c.key;
    bool missing = !c.trailer.empty() && c.trailer.back() == ':';
    std::ofstream(file, std::ios::binary)
        << AwsChunked(c.data, 64 << 10, c.signed_chunks, missing ? "" : c.trailer);
    std::string sha = c.signed_chunks ? "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
                                      : "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    auto [rc, out] =
        Shell("curl -s -X PUT --data-binary @" + file + auth + "-H 'x-amz-content-sha256: " + sha +
              "' -H 'x-amz-decoded-content-length: " + std::to_string(c.data.size()) + "' " +
              (c.trailer.empty() ? "" : "-H 'x-amz-trailer: x-amz-checksum-crc32' ") +
              "-w '\n%{http_code}' " + r.endpoint() + "/chunked/" + c.key + " 2>&1");
    ASSERT_EQ(rc, 0) << out;
    auto got = r.proc->Client().Get("/v1/fs/chunked/" + c.key);
    ASSERT_TRUE(got.ok());
    if (!c.error.empty()) {
      EXPECT_NE(out.find("<Code>" + c.error + "</Code>"), std::string::npos) << out;
      EXPECT_EQ(out.substr(out.size() - 3), "400") << out;
      EXPECT_EQ(got->status, 404) << "nothing is written";
      continue;
    }
    EXPECT_EQ(out.substr(out.size() - 3), "200") << out;
    EXPECT_EQ(got->body.size(), c.data.size());
    EXPECT_TRUE(got->body == c.data);
    // The trailer's checksum is the object's, returned when asked.
    std::tie(rc, out) = Shell("curl -s -I -H 'x-amz-checksum-mode: ENABLED' " + r.endpoint() +
                              "/chunked/" + c.key + " 2>&1");
    if (c.trailer.empty()) {
      EXPECT_EQ(out.find("x-amz-checksum-crc32"), std::string::npos) << out;
    } else {
      EXPECT_NE(out.find(c.trailer.substr(0, 21) + " " + Crc32Of(c.data)), std::string::npos)
          << out;
    }
  }
}

TEST(S3Test, TheS3ListenerSpeaksTlsWithTheServersCertificate) {
  TempDir dir;
  MakeCertificate(dir.path(), "s3");
  std::string d = dir.path() + "/s3";
  S3Replica r(dir.path() + "/r", "local", "r",
              {"--tls-cert", d + "/server.pem", "--tls-key", d + "/server.key"});
  std::string endpoint = "https://127.0.0.1:" + std::to_string(r.s3_port);
  const std::string aws =
      "AWS_ACCESS_KEY_ID=walfs AWS_SECRET_ACCESS_KEY=unchecked "
      "AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null "
      "/usr/bin/aws --endpoint-url " +
      endpoint + " ";
  auto [rc, out] = Shell(aws + "--ca-bundle " + d + "/ca.pem s3 mb s3://tls-bucket 2>&1");
  EXPECT_EQ(rc, 0) << out;
  std::tie(rc, out) = Shell(aws + "--ca-bundle " + d + "/ca.pem s3 ls 2>&1");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("tls-bucket"), std::string::npos) << out;
  // Without the CA, the client refuses the certificate.
  std::tie(rc, out) = Shell(aws + "s3 ls 2>&1");
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find("SSL"), std::string::npos) << out;
}

TEST(S3Test, SignaturesAndRightsAreCheckedWithS3sCodes) {
  TempDir dir;
  std::string auth = dir.path() + "/auth.json";
  std::ofstream(auth) << json{{"principals",
                               {{{"name", "writer"},
                                 {"role", "write"},
                                 {"prefixes", {"/s3auth"}},
                                 {"s3_access_key", "WRITER"},
                                 {"s3_secret_key", "writer-secret-0123456789"}},
                                {{"name", "reader"},
                                 {"role", "read"},
                                 {"prefixes", {"/s3auth"}},
                                 {"s3_access_key", "READER"},
                                 {"s3_secret_key", "reader-secret-0123456789"}}}}}
                             .dump();
  S3Replica r(dir.path() + "/r", "local", "r", {"--auth", auth});
  ASSERT_TRUE(WaitFor(
      [&] {
        auto h = r.proc->Client(2000).Get("/readyz");
        return h.ok() && h->status == 200;
      },
      std::chrono::seconds(20)));
  auto [rc, out] = Scenario("auth", r.endpoint(), "WRITER writer-secret-0123456789");
  EXPECT_EQ(rc, 0) << out;
}

TEST(S3Test, MetadataCopiesMultipartAndRacingConditionalPutsThroughThreeReplicas) {
  TempDir dir;
  RedisServer redis(dir.path());
  S3Cluster cluster(dir.path(), redis.port(), "s3objects");
  for (auto& r : cluster.replicas) ASSERT_TRUE(r->proc->WaitReady());
  auto& rs = cluster.replicas;
  const std::string& endpoints = cluster.endpoints;
  auto [rc, out] = Scenario("objects", endpoints);
  ASSERT_EQ(rc, 0) << out;
  // The metadata is the file's, in the HTTP API too, on every replica.
  for (auto& r : rs) {
    json stat;
    ASSERT_TRUE(WaitFor(
        [&] {
          auto got = r->proc->Client().Get("/v1/fs/objects/json.txt?stat");
          if (!got.ok() || got->status != 200) return false;
          stat = json::parse(got->body, nullptr, false);
          return true;
        },
        std::chrono::seconds(20)));
    EXPECT_EQ(stat["metadata"]["content-type"], "application/json") << stat.dump();
    EXPECT_EQ(stat["metadata"]["x-amz-meta-k"], "v") << stat.dump();
    EXPECT_EQ(stat.value("md5_etag", ""), ToHex(Md5("hello"))) << stat.dump();
    auto got = r->proc->Client().Get("/v1/fs/objects/json.txt");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->header("content-type"), "application/json");
  }
}

TEST(S3Test, StrongReadsAndReadsAtAPositionSeeWritesMadeThroughAnotherReplica) {
  TempDir dir;
  RedisServer redis(dir.path());
  std::string log = "redis://127.0.0.1:" + std::to_string(redis.port()) + "?stream=s3strong";
  S3Replica writer(dir.path() + "/w", log, "w");
  S3Replica strong(dir.path() + "/s", log, "s", {"--s3-consistency", "strong"});
  S3Replica waiting(dir.path() + "/m", log, "m");
  for (auto* r : {&writer, &strong, &waiting}) ASSERT_TRUE(r->proc->WaitReady());
  auto [rc, out] =
      Scenario("strong", writer.endpoint() + "," + strong.endpoint() + "," + waiting.endpoint());
  EXPECT_EQ(rc, 0) << out;
}

TEST(S3Test, AppendsWithWriteOffsetsFromEightWritersThroughThreeReplicasLandOnce) {
  TempDir dir;
  RedisServer redis(dir.path());
  S3Cluster cluster(dir.path(), redis.port(), "s3appends");
  for (auto& r : cluster.replicas) ASSERT_TRUE(r->proc->WaitReady());
  auto& rs = cluster.replicas;
  const std::string& endpoints = cluster.endpoints;
  auto [rc, out] = Scenario("appends", endpoints);
  ASSERT_EQ(rc, 0) << out;
  json j = json::parse(out.substr(out.rfind('{')), nullptr, false);
  EXPECT_EQ(j.value("records", 0), 320) << out;
  // The replicas agree on the whole store (the same digest at the same position).
  std::set<std::string> digests;
  ASSERT_TRUE(WaitFor(
      [&] {
        digests.clear();
        std::set<std::string> applied;
        for (auto& r : rs) {
          auto h = r->proc->Client().Get("/readyz");
          if (!h.ok()) return false;
          json s = json::parse(h->body, nullptr, false);
          digests.insert(s.value("digest", ""));
          applied.insert(s.value("applied", ""));
        }
        return applied.size() == 1;
      },
      std::chrono::seconds(20)));
  EXPECT_EQ(digests.size(), 1u);
}

}  // namespace
}  // namespace walfs::testing
