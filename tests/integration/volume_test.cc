// A cluster split into two volumes on two Redis servers (scale-out.md,
// "Volumes"): root (/) on one, `big` (/big) on the other; one replica
// serves both, one only root, one only big. Checked as clients see it:
// positions that carry their volume, redirects to a replica that serves
// the volume (followed by curl), 400 cross_volume for renames and
// transactions across volumes, the cluster view per volume, and a replica
// given another volume map refused at start.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "integration/harness.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

std::string Made(const std::string& dir) {
  std::filesystem::create_directories(dir);
  return dir;
}

struct TwoVolumes {
  TwoVolumes()
      : root(Made(dir.path() + "/redis-root")),
        big(Made(dir.path() + "/redis-big")),
        volume_flag("big=/big@" + big.url("big")) {}
  ServeProcess Replica(const std::string& id, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--volume", volume_flag, "--heartbeat-ms", "200"};
    args.insert(args.end(), extra.begin(), extra.end());
    return ServeProcess(dir.path() + "/" + id, root.url("root"), id, args);
  }
  TempDir dir;
  RedisServer root, big;
  std::string volume_flag;
};

std::string FileText(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

TEST(VolumeTest, TwoVolumesOnTwoLogsAnswerAsOneNamespace) {
  TwoVolumes v;
  ServeProcess both = v.Replica("both");
  ServeProcess root_only = v.Replica("root-only", {"--serve-volumes", "root"});
  ServeProcess big_only = v.Replica("big-only", {"--serve-volumes", "big"});
  both.Start();
  root_only.Start();
  big_only.Start();
  ASSERT_TRUE(both.WaitReady(30s));
  ASSERT_TRUE(root_only.WaitReady(30s));
  ASSERT_TRUE(big_only.WaitReady(30s));
  HttpClient a = both.Client();

  // Positions of root carry no volume (today's tokens); big's carry "big:".
  auto w = a.Request("PUT", "/v1/fs/notes.txt", "in root");
  ASSERT_EQ(w->status, 201) << w->body;
  EXPECT_EQ(w->header("x-walfs-position").find(':'), std::string::npos);
  w = a.Request("PUT", "/v1/fs/big/data.bin", "in big");
  ASSERT_EQ(w->status, 201) << w->body;
  std::string big_pos = Json(*w)["position"];
  EXPECT_EQ(big_pos.rfind("big:", 0), 0u) << big_pos;
  EXPECT_EQ(w->header("x-walfs-position"), big_pos);
  // Appends to big report their offsets as on any log.
  w = a.Request("POST", "/v1/fs/big/data.bin?op=append", "+more");
  ASSERT_EQ(w->status, 200) << w->body;
  EXPECT_EQ(Json(*w)["offset"], 6);
  big_pos = Json(*w)["position"];

  // The replica that serves big reads it at that position; a root path
  // with big's position is refused.
  HttpClient b = big_only.Client();
  auto r = b.Get("/v1/fs/big/data.bin?min_position=" + big_pos);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, "in big+more");
  EXPECT_EQ(r->header("x-walfs-position").rfind("big:", 0), 0u);
  // A position of another volume orders nothing here; a list gives each
  // volume its own (a far-ahead one for root makes the read wait, and time out).
  r = a.Get("/v1/fs/notes.txt?min_position=" + big_pos);
  EXPECT_EQ(r->status, 200) << r->body;
  r = a.Get("/v1/fs/notes.txt?timeout_ms=50&min_position=99999999999999-0," + big_pos);
  EXPECT_EQ(r->status, 504) << r->body;
  r = b.Get("/v1/fs/big/data.bin?timeout_ms=50&min_position=99999999999999-0," + big_pos);
  EXPECT_EQ(r->status, 200) << r->body;

  // Each volume went to its own log: big's entries are in its Redis only.
  auto [code, len] = Shell("redis-cli -p " + std::to_string(v.big.port()) + " XLEN big");
  ASSERT_EQ(code, 0);
  EXPECT_EQ(std::stoi(len), 2);
  std::tie(code, len) = Shell("redis-cli -p " + std::to_string(v.root.port()) + " XLEN root");
  EXPECT_EQ(std::stoi(len), 1);

  // A replica that does not serve big redirects to one that does, once
  // their heartbeats are known; curl follows it.
  HttpClient c = root_only.Client();
  ClientResponse moved;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto m = c.Get("/v1/fs/big/data.bin");
        if (m.ok()) moved = *m;
        return m.ok() && m->status == 307;
      },
      20s))
      << moved.status << " " << moved.body;
  std::string location = moved.header("location");
  EXPECT_TRUE(location == both.url() + "/v1/fs/big/data.bin" ||
              location == big_only.url() + "/v1/fs/big/data.bin")
      << location;
  auto [curl_code, body] = Shell("curl -sfL " + root_only.url() + "/v1/fs/big/data.bin");
  EXPECT_EQ(curl_code, 0);
  EXPECT_EQ(body, "in big+more");
  auto [put_code, put_body] = Shell("curl -sfL -X PUT --data-binary via-redirect " +
                                    root_only.url() + "/v1/fs/big/put.txt");
  EXPECT_EQ(put_code, 0) << put_body;
  EXPECT_EQ(StrongRead(b, "/big/put.txt"), "via-redirect");
  // The CLI (and the mount, over the same client) follows it too.
  auto [cli_code, cli_out] = RunCli({"--server", root_only.url(), "cat", "/big/data.bin"});
  EXPECT_EQ(cli_code, 0) << cli_out;
  EXPECT_EQ(cli_out, "in big+more");
  { std::ofstream(v.dir.path() + "/more.txt") << "+cli"; }
  std::tie(cli_code, cli_out) =
      RunCli({"--server", root_only.url(), "append", "/big/data.bin", v.dir.path() + "/more.txt"});
  EXPECT_EQ(cli_code, 0) << cli_out;
  EXPECT_EQ(StrongRead(b, "/big/data.bin"), "in big+more+cli");
  // And the other way: root from the replica that serves only big.
  ASSERT_TRUE(WaitFor([&] { return b.Get("/v1/fs/notes.txt")->status == 307; }, 20s));
  // The replica that serves only root keeps no store for big.
  EXPECT_FALSE(std::filesystem::exists(v.dir.path() + "/root-only/volumes/big"));
  EXPECT_TRUE(std::filesystem::exists(v.dir.path() + "/big-only/volumes/big/store"));

  // Across volumes: a rename and a transaction are refused, nothing applied.
  r = a.Request("POST", "/v1/fs/notes.txt?op=rename&to=/big/notes.txt");
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(Json(*r)["error"], "cross_volume") << r->body;
  r = a.Request("POST", "/v1/tx",
                R"({"ops":[{"op":"put","path":"/big/t","data":"eA=="},)"
                R"({"op":"put","path":"/t","data":"eQ=="}]})");
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(Json(*r)["error"], "cross_volume") << r->body;
  EXPECT_EQ(a.Get("/v1/fs/big/t")->status, 404);
  EXPECT_EQ(a.Get("/v1/fs/t")->status, 404);
  // Within one volume they go through, whichever replica takes them.
  r = c.Request("POST", "/v1/tx",
                R"({"ops":[{"op":"put","path":"/t1","data":"eA=="},)"
                R"({"op":"rename","path":"/t1","to":"/t2"}]})");
  EXPECT_EQ(r->status, 200) << r->body;

  // Uploads carry their volume in their id.
  r = c.Request("POST", "/v1/uploads", R"({"path":"/big/up.bin","op":"put"})");
  ASSERT_EQ(r->status, 307) << r->body;
  r = a.Request("POST", "/v1/uploads", R"({"path":"/big/up.bin","op":"put"})");
  ASSERT_EQ(r->status, 201) << r->body;
  std::string id = Json(*r)["upload_id"];
  EXPECT_EQ(b.Get("/v1/uploads/" + id)->status, 200);
  EXPECT_EQ(c.Get("/v1/uploads/" + id)->status, 307);
  ASSERT_EQ(b.Request("PUT", "/v1/uploads/" + id + "/parts/1", "part one")->status, 200);
  r = b.Request("POST", "/v1/uploads/" + id + "/commit");
  ASSERT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(Json(*r)["position"].get<std::string>().rfind("big:", 0), 0u);

  // The cluster view: each replica with the volumes it serves.
  ASSERT_TRUE(WaitFor(
      [&] {
        json cl = Json(*a.Get("/v1/cluster"));
        std::map<std::string, std::set<std::string>> serves;
        for (const auto& rep : cl["replicas"]) {
          for (const auto& [name, _] : rep["volumes"].items()) serves[rep["id"]].insert(name);
        }
        return serves["both"] == std::set<std::string>{"root", "big"} &&
               serves["root-only"] == std::set<std::string>{"root"} &&
               serves["big-only"] == std::set<std::string>{"big"} && cl["volume_map"] == "big=/big";
      },
      20s))
      << a.Get("/v1/cluster")->body;
  // One build across every volume's replicas.
  EXPECT_EQ(Json(*a.Get("/v1/cluster"))["mixed_builds"], false);

  // Metrics per volume, in one exposition.
  std::string metrics = a.Get("/metrics")->body;
  EXPECT_NE(metrics.find("walfs_applied_entries_total{volume=\"big\"}"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("walfs_applied_entries_total{volume=\"root\"}"), std::string::npos);
  EXPECT_EQ(Json(*c.Get("/readyz"))["volumes"].size(), 1u);

  // A replica given another map is refused at start, and says why.
  ServeProcess stray(v.dir.path() + "/stray", v.root.url("root"), "stray",
                     {"--heartbeat-ms", "200"});
  EXPECT_THROW(stray.Start(), std::runtime_error);
  EXPECT_NE(FileText(stray.log_path()).find("same --volume flags"), std::string::npos)
      << FileText(stray.log_path());
}

// Snapshots, trimming and bootstrap per volume: big's snapshot goes under
// the backup's volumes/big, big's log is trimmed below it, and a fresh
// replica of big starts from it; root's log is left as it was.
TEST(VolumeTest, EachVolumeIsSnapshottedTrimmedAndBootstrappedOnItsOwn) {
  TwoVolumes v;
  std::string backup = v.dir.path() + "/backup";
  std::vector<std::string> flags = {"--backup",
                                    "dir://" + backup,
                                    "--snapshot-every-entries",
                                    "0",
                                    "--snapshot-every-ms",
                                    "0",
                                    "--maintenance-ms",
                                    "100"};
  ServeProcess first = v.Replica("first", flags);
  first.Start();
  ASSERT_TRUE(first.WaitReady(30s));
  HttpClient a = first.Client();
  ASSERT_EQ(a.Request("PUT", "/v1/fs/root.txt", "root")->status, 201);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(a.Request("POST", "/v1/fs/big/log?op=append", "line;")->status, 200);
  }
  auto snap = a.Request("POST", "/v1/admin/snapshots?volume=big");
  ASSERT_EQ(snap->status, 201) << snap->body;
  EXPECT_EQ(Json(*snap)["position"].get<std::string>().rfind("big:", 0), 0u) << snap->body;
  EXPECT_TRUE(std::filesystem::exists(backup + "/volumes/big/snapshots"));
  EXPECT_FALSE(std::filesystem::exists(backup + "/snapshots"));  // root was not snapshotted
  auto xlen = [&](RedisServer& r, const std::string& stream) {
    auto [code, out] = Shell("redis-cli -p " + std::to_string(r.port()) + " XLEN " + stream);
    return code == 0 ? std::stoi(out) : -1;
  };
  // Trimmed below the snapshot: its last entry stays.
  ASSERT_TRUE(WaitFor([&] { return xlen(v.big, "big") == 1; }, 20s)) << xlen(v.big, "big");
  EXPECT_EQ(xlen(v.root, "root"), 1);

  ServeProcess fresh =
      v.Replica("fresh", {"--serve-volumes", "big", "--backup", "dir://" + backup});
  fresh.Start();
  ASSERT_TRUE(fresh.WaitReady(30s));
  HttpClient f = fresh.Client();
  std::string want;
  for (int i = 0; i < 10; ++i) want += "line;";
  EXPECT_EQ(StrongRead(f, "/big/log"), want);
  ASSERT_EQ(f.Request("POST", "/v1/fs/big/log?op=append", "after;")->status, 200);
  ASSERT_TRUE(WaitFor(
      [&] {
        json ra = Json(*a.Get("/readyz"))["volumes"]["big"];
        json rf = Json(*f.Get("/readyz"));
        return ra["applied"] == rf["applied"] && ra["digest"] == rf["digest"];
      },
      20s));
}

// The S3 endpoint routes each object to its volume: a bucket whose path
// is a volume's prefix lives in that volume; a copy across volumes is
// refused; a replica that does not serve a bucket's volume says so.
TEST(VolumeTest, S3ObjectsGoToTheirVolume) {
  TwoVolumes v;
  int s3_both = FreePort(), s3_root = FreePort();
  ServeProcess both = v.Replica("both", {"--s3-listen", "127.0.0.1:" + std::to_string(s3_both)});
  ServeProcess root_only = v.Replica("root-only", {"--serve-volumes", "root", "--s3-listen",
                                                   "127.0.0.1:" + std::to_string(s3_root)});
  both.Start();
  root_only.Start();
  ASSERT_TRUE(both.WaitReady(30s));
  ASSERT_TRUE(root_only.WaitReady(30s));
  std::string s3 = "http://127.0.0.1:" + std::to_string(s3_both);
  // curl's answer: the body and then the status; .second of status(): the status alone.
  auto curl = [](const std::string& args) {
    return Shell("curl -s -o /dev/stderr -w '%{http_code}' " + args + " 2>&1");
  };
  auto status = [](const std::string& args) {
    return Shell("curl -s -o /dev/null -w '%{http_code}' " + args);
  };
  EXPECT_EQ(status("-X PUT " + s3 + "/big").second, "200");
  EXPECT_EQ(status("-X PUT " + s3 + "/rootb").second, "200");
  EXPECT_EQ(status("-X PUT --data-binary hello " + s3 + "/big/k.txt").second, "200");
  EXPECT_EQ(Shell("curl -sf " + s3 + "/big/k.txt").second, "hello");
  auto [code, listing] = Shell("curl -sf '" + s3 + "/big?list-type=2'");
  EXPECT_NE(listing.find("<Key>k.txt</Key>"), std::string::npos) << listing;
  // In big's log and store: the HTTP API reads it with a position of big.
  auto r = both.Client().Get("/v1/fs/big/k.txt");
  EXPECT_EQ(r->body, "hello");
  EXPECT_EQ(r->header("x-walfs-position").rfind("big:", 0), 0u);
  // A copy across volumes is refused; within one it goes through.
  auto [c1, across] = curl("-X PUT -H 'x-amz-copy-source: /big/k.txt' " + s3 + "/rootb/k.txt");
  EXPECT_NE(across.find("400"), std::string::npos) << across;
  EXPECT_NE(across.find("cross_volume"), std::string::npos) << across;
  EXPECT_EQ(
      status("-X PUT --data-binary '' -H 'x-amz-copy-source: /big/k.txt' " + s3 + "/big/k2.txt")
          .second,
      "200");
  // The replica that serves only root does not answer for big's objects.
  auto [c2, elsewhere] = curl("http://127.0.0.1:" + std::to_string(s3_root) + "/big/k.txt");
  EXPECT_NE(elsewhere.find("503"), std::string::npos) << elsewhere;
  EXPECT_NE(elsewhere.find("does not serve volume big"), std::string::npos) << elsewhere;
}

TEST(VolumeTest, BadVolumeFlagsAreRefusedBeforeAnythingIsCreated) {
  TempDir dir;
  auto [code, out] = RunCli({"serve", "--data", dir.path() + "/d", "--listen", "127.0.0.1:0",
                             "--volume", "big=/big@local", "--volume", "inner=/big/x@memory"});
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("nest"), std::string::npos) << out;
  std::tie(code, out) = RunCli(
      {"serve", "--data", dir.path() + "/d", "--listen", "127.0.0.1:0", "--serve-volumes", "nope"});
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("nope"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/d"));
}

// A volume added over a prefix that holds files in root would hide them:
// the replica refuses to start and says so.
TEST(VolumeTest, AVolumeOverFilesOfRootIsRefused) {
  TempDir dir;
  RedisServer root(Made(dir.path() + "/redis-root")), big(Made(dir.path() + "/redis-big"));
  {
    ServeProcess before(dir.path() + "/r", root.url("root"), "r");
    before.Start();
    ASSERT_TRUE(before.WaitReady(30s));
    ASSERT_EQ(before.Client().Request("PUT", "/v1/fs/big/old.txt", "old")->status, 201);
    before.Stop();
  }
  ServeProcess after(dir.path() + "/r", root.url("root"), "r",
                     {"--volume", "big=/big@" + big.url("big")});
  EXPECT_THROW(after.Start(), std::runtime_error);
  EXPECT_NE(FileText(after.log_path()).find("would hide"), std::string::npos)
      << FileText(after.log_path());
}

}  // namespace
}  // namespace walfs::testing
