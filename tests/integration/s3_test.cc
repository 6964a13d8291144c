// The S3 endpoint with clients walfs did not write: Debian's aws cli and
// python3-boto3 (tests/integration/s3_scenarios.py), against real walfs
// processes on a real Redis.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "auth/crypto.h"
#include "core/hash.h"
#include "integration/harness.h"

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
  run("rm s3://cli-bucket/top.bin");
  EXPECT_EQ(run("ls --recursive s3://cli-bucket").find("top.bin"), std::string::npos);
  auto [rc, out] = Shell(aws + "rb s3://cli-bucket 2>&1");
  EXPECT_NE(rc, 0);
  EXPECT_NE(out.find("BucketNotEmpty"), std::string::npos) << out;
  run("rb --force s3://cli-bucket");
  EXPECT_EQ(run("ls").find("cli-bucket"), std::string::npos);
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
  std::string log = "redis://127.0.0.1:" + std::to_string(redis.port()) + "?stream=s3objects";
  std::vector<std::unique_ptr<S3Replica>> rs;
  std::string endpoints;
  for (int i = 0; i < 3; ++i) {
    rs.push_back(std::make_unique<S3Replica>(dir.path() + "/r" + std::to_string(i), log,
                                             "r" + std::to_string(i)));
    endpoints += (i ? "," : "") + rs.back()->endpoint();
  }
  for (auto& r : rs) ASSERT_TRUE(r->proc->WaitReady());
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

TEST(S3Test, AppendsWithWriteOffsetsFromEightWritersThroughThreeReplicasLandOnce) {
  TempDir dir;
  RedisServer redis(dir.path());
  std::string log = "redis://127.0.0.1:" + std::to_string(redis.port()) + "?stream=s3appends";
  std::vector<std::unique_ptr<S3Replica>> rs;
  std::string endpoints;
  for (int i = 0; i < 3; ++i) {
    rs.push_back(std::make_unique<S3Replica>(dir.path() + "/r" + std::to_string(i), log,
                                             "r" + std::to_string(i)));
    endpoints += (i ? "," : "") + rs.back()->endpoint();
  }
  for (auto& r : rs) ASSERT_TRUE(r->proc->WaitReady());
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
