// The walfs command line end to end against a running server.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "integration/harness.h"

namespace walfs::testing {
namespace {

struct CliResult {
  int exit_code;
  std::string out;
};

// Runs the CLI through the shell (for stdin redirection), capturing stdout.
CliResult Cli(const std::string& server, const std::string& args,
              const std::string& stdin_data = "") {
  TempDir tmp;
  std::string in = tmp.path() + "/in", out = tmp.path() + "/out";
  std::ofstream(in, std::ios::binary) << stdin_data;
  std::string cmd = std::string(WALFS_BINARY) + " --server " + server + " " + args + " < " + in +
                    " > " + out + " 2>" + tmp.path() + "/err";
  int st = std::system(cmd.c_str());
  std::ifstream f(out, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return CliResult{WIFEXITED(st) ? WEXITSTATUS(st) : -1, s};
}

TEST(CliTest, EveryCommandAgainstARunningServer) {
  TempDir dir;
  ServeProcess node(dir.path() + "/data", "local", "cli");
  node.Start();
  ASSERT_TRUE(node.WaitReady());
  std::string s = node.url();
  std::string local = dir.path() + "/local.txt";
  std::ofstream(local) << "from a file\n";
  EXPECT_EQ(Cli(s, "put /docs/a.txt " + local).exit_code, 0);
  EXPECT_EQ(Cli(s, "append /docs/a.txt", "from stdin\n").exit_code, 0);
  EXPECT_EQ(Cli(s, "cat /docs/a.txt").out, "from a file\nfrom stdin\n");
  EXPECT_EQ(Cli(s, "cat /docs/a.txt --offset 5 --length 4").out, "a fi");
  EXPECT_EQ(Cli(s, "cat /docs").exit_code, 1);  // a directory
  std::string big(3 << 20, 'b');
  big[12345] = 'X';
  EXPECT_EQ(Cli(s, "put /docs/big -", big).exit_code, 0);
  EXPECT_EQ(Cli(s, "cat /docs/big").out, big);  // streamed in chunks
  EXPECT_EQ(Cli(s, "rm /docs/big").exit_code, 0);
  EXPECT_EQ(Cli(s, "write /docs/a.txt 0 -", "FROM").exit_code, 0);
  EXPECT_EQ(Cli(s, "truncate /docs/a.txt 11").exit_code, 0);
  EXPECT_EQ(Cli(s, "cat /docs/a.txt").out, "FROM a file");
  EXPECT_EQ(Cli(s, "mkdir /docs/sub/deeper").exit_code, 0);
  EXPECT_EQ(Cli(s, "ls /docs").out, "a.txt\nsub/\n");
  EXPECT_EQ(Cli(s, "ls -R /").out, "docs/\ndocs/a.txt\ndocs/sub/\ndocs/sub/deeper/\n");
  EXPECT_NE(Cli(s, "ls -l /docs").out.find("- 11\t"), std::string::npos);
  EXPECT_EQ(Cli(s, "mv /docs/a.txt /docs/b.txt").exit_code, 0);
  auto st = Cli(s, "stat /docs/b.txt");
  EXPECT_EQ(st.exit_code, 0);
  EXPECT_NE(st.out.find("\"size\":11"), std::string::npos);
  EXPECT_EQ(Cli(s, "rm /docs").exit_code, 1);  // not empty
  EXPECT_EQ(Cli(s, "rm -r /docs").exit_code, 0);
  EXPECT_EQ(Cli(s, "cat /docs/b.txt").exit_code, 1);  // gone: an error, exit 1
  EXPECT_EQ(Cli(s, "frobnicate").exit_code, 2);       // usage
  EXPECT_EQ(Cli(s, "put").exit_code, 2);
  EXPECT_EQ(Cli("http://127.0.0.1:1", "cat /x").exit_code, 1);  // no server
}

// Files of any size: put in parallel parts (from a file and from stdin),
// a resumed upload that sends only the parts the server lacks, get in
// parallel ranges, the progress bar, and the uploads command.
TEST(CliTest, TransfersOfAnySize) {
  TempDir dir;
  ServeProcess node(dir.path() + "/data", "local", "cli", {"--max-entry-bytes", "1048576"});
  node.Start();
  ASSERT_TRUE(node.WaitReady());
  std::string s = node.url();
  std::string local = dir.path() + "/big";
  std::string big((20 << 20) + 7, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) >> 5);
  std::ofstream(local, std::ios::binary) << big;
  auto put = Cli(s, "put /big " + local + " --part-size 3000000 --parallel 3 --progress");
  EXPECT_EQ(put.exit_code, 0);
  EXPECT_NE(put.out.find("\"size\":20971527"), std::string::npos) << put.out;
  std::string copy = dir.path() + "/copy";
  EXPECT_EQ(Cli(s, "get /big " + copy + " --parallel 3 --range-size 1000000").exit_code, 0);
  std::ifstream f(copy, std::ios::binary);
  EXPECT_TRUE(std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>()) ==
              big);
  EXPECT_TRUE(Cli(s, "get /big").out == big);                               // to stdout, streamed
  EXPECT_EQ(Cli(s, "put /stdin - --part-size 4000000", big).exit_code, 0);  // stdin in parts
  EXPECT_TRUE(Cli(s, "cat /stdin").out == big);

  // A resumed upload: the server has part 1; only parts 2..7 are sent.
  HttpClient c = node.Client();
  auto created = c.Request("POST", "/v1/uploads", R"({"path":"/resumed"})");
  ASSERT_EQ(created->status, 201);
  std::string id = Json(*created)["upload_id"];
  ASSERT_EQ(c.Request("PUT", "/v1/uploads/" + id + "/parts/1", big.substr(0, 3000000))->status,
            200);
  EXPECT_EQ(Cli(s, "uploads").out.substr(0, 32), id);
  auto parts_sent = [&] {
    std::string m = c.Get("/metrics")->body;
    std::string key = "walfs_http_requests_total{method=\"PUT\",route=\"uploads\",status=\"200\"} ";
    size_t at = m.find(key);
    return at == std::string::npos ? 0 : std::stoi(m.substr(at + key.size()));
  };
  int before = parts_sent();
  EXPECT_EQ(Cli(s, "put /resumed " + local + " --part-size 3000000 --upload-id " + id).exit_code,
            0);
  EXPECT_EQ(parts_sent() - before, 6);
  EXPECT_TRUE(Cli(s, "cat /resumed").out == big);
  EXPECT_EQ(Cli(s, "put /other " + local + " --upload-id " + id).exit_code, 1);  // committed

  // Listing and aborting.
  auto open = c.Request("POST", "/v1/uploads", R"({"path":"/abandoned"})");
  std::string open_id = Json(*open)["upload_id"];
  EXPECT_NE(Cli(s, "uploads /").out.find(open_id + "  put  /abandoned"), std::string::npos);
  EXPECT_EQ(Cli(s, "uploads /elsewhere").out, "");
  EXPECT_EQ(Cli(s, "uploads abort " + open_id).exit_code, 0);
  EXPECT_EQ(Cli(s, "uploads").out, "");
  EXPECT_EQ(Cli(s, "uploads abort " + open_id).exit_code, 1);
  EXPECT_EQ(Cli(s, "get /nothing " + copy).exit_code, 1);
}

}  // namespace
}  // namespace walfs::testing

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

// `walfs serve --config FILE` started with env; the id of the replica that
// answers on port (GET /v1/cluster's self), or "" if none did in time.
std::string ServedId(const std::string& config, int port, std::vector<std::string> flags,
                     std::vector<std::string> env, const std::string& log) {
  std::vector<std::string> argv = {WALFS_BINARY, "serve", "--config", config};
  argv.insert(argv.end(), flags.begin(), flags.end());
  Process p(argv, log, "", env);
  if (!WaitFor([&] { return PortAcceptsConnections(port) || !p.running(); }, 20s)) return "";
  HttpClient c("http://127.0.0.1:" + std::to_string(port), 5000);
  std::string id;
  WaitFor(
      [&] {
        auto r = c.Get("/v1/cluster");
        if (r.ok() && r->status == 200) id = Json(*r).value("self", "");
        return !id.empty();
      },
      10s);
  p.Stop();
  return id;
}

// serve reads its flags from a TOML file; a flag on the command line
// overrides the file's key, and so does the key's environment variable.
TEST(ConfigFileTest, ServeTakesTheFileAndFlagsAndTheEnvironmentOverrideIt) {
  TempDir dir;
  int a = FreePort(), b = FreePort(), c = FreePort();
  const std::string f = dir.path() + "/walfs.toml";
  std::ofstream(f) << "# a replica\n"
                   << "data = \"" << dir.path() << "/store\"\n"
                   << "listen = \"127.0.0.1:" << a << "\"\n"
                   << "log = \"local\"\n"
                   << "replica-id = \"from-file\"\n"
                   << "heartbeat-ms = 100\n";
  EXPECT_EQ(ServedId(f, a, {}, {}, dir.path() + "/1.log"), "from-file");
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/store")) << "data from the file";
  EXPECT_EQ(ServedId(f, b, {"--listen", "127.0.0.1:" + std::to_string(b), "--replica-id=flag"}, {},
                     dir.path() + "/2.log"),
            "flag");
  EXPECT_EQ(
      ServedId(f, c, {}, {"WALFS_LISTEN=127.0.0.1:" + std::to_string(c)}, dir.path() + "/3.log"),
      "from-file");
  // A bad file: nothing starts, the line is named.
  std::ofstream(f, std::ios::app) << "heartbeat = 5\n";
  auto [rc, out] = RunCli({"serve", "--config", f});
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find(f + ":7: unknown key 'heartbeat'"), std::string::npos) << out;
  std::tie(rc, out) = RunCli({"serve", "--config", dir.path() + "/missing.toml"});
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("cannot read the configuration file"), std::string::npos) << out;
}

// walfs config example has every flag of serve as a key, and its keys,
// uncommented, pass walfs config check; check names the line of a bad key
// or value.
TEST(ConfigFileTest, TheExampleHasEveryFlagAndCheckNamesTheLine) {
  auto [rc, help] = RunCli({"serve", "--help"});
  ASSERT_EQ(rc, 0) << help;
  std::set<std::string> flags;
  std::istringstream lines(help);
  for (std::string line; std::getline(lines, line);) {
    size_t at = line.find_first_not_of(' ');
    if (at == std::string::npos || line.compare(at, 2, "--") != 0) continue;
    std::string name = line.substr(at + 2, line.find_first_of(" ,=", at) - at - 2);
    if (name != "help" && name != "config") flags.insert(name);
  }
  ASSERT_GT(flags.size(), 40u) << help;
  auto [erc, example] = RunCli({"config", "example"});
  ASSERT_EQ(erc, 0) << example;
  std::set<std::string> keys;
  std::string uncommented;
  std::regex key(R"(^# ([a-z0-9-]+) = (.*)$)");
  std::istringstream ex(example);
  for (std::string line; std::getline(ex, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, key)) continue;
    keys.insert(m[1]);
    // Those whose default stands as a value (not the empty ones a check refuses).
    if (m[2] != "\"\"" && m[2] != "[]") uncommented += line.substr(2) + "\n";
  }
  EXPECT_EQ(keys, flags);
  TempDir dir;
  const std::string f = dir.path() + "/all.toml";
  std::ofstream(f) << uncommented;
  auto [crc, checked] = RunCli({"config", "check", f});
  EXPECT_EQ(crc, 0) << checked << "\n" << uncommented;
  EXPECT_NE(checked.find(": ok, "), std::string::npos) << checked;
  std::ofstream(f) << "listen = \"127.0.0.1:1\"\n\nheartbeat-ms = 5\n";
  std::tie(crc, checked) = RunCli({"config", "check", f});
  EXPECT_EQ(crc, 2) << checked;
  EXPECT_NE(checked.find(f + ":3: --heartbeat-ms"), std::string::npos) << checked;
  // Checks across keys, as serve makes them.
  std::ofstream(f) << "listen = \"0.0.0.0:8080\"\n";
  std::tie(crc, checked) = RunCli({"config", "check", f});
  EXPECT_EQ(crc, 2) << checked;
  EXPECT_NE(checked.find("without --auth"), std::string::npos) << checked;
  std::ofstream(f) << "listen = \"0.0.0.0:8080\"\ninsecure-no-auth = true\n";
  std::tie(crc, checked) = RunCli({"config", "check", f});
  EXPECT_EQ(crc, 0) << checked;
  std::ofstream(f) << "listen = \"127.0.0.1:1\"\n[serve]\n";
  std::tie(crc, checked) = RunCli({"config", "check", f});
  EXPECT_EQ(crc, 2) << checked;
  EXPECT_NE(checked.find(f + ":2:"), std::string::npos) << checked;
}

}  // namespace
}  // namespace walfs::testing
