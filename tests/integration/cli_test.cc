// The walfs command line end to end against a running server.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <cstdio>
#include <fstream>

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

}  // namespace
}  // namespace walfs::testing
