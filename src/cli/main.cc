#include <cstdlib>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "version/build_info.h"

// jemalloc's options, read at its start. Allocations of 1 MiB and more (the
// chunks of a large write being staged, each a few MiB and freed within
// milliseconds) go to an arena that returns their pages at once: with the
// default decay they stayed resident, and a replica's RSS grew by 144 MiB
// during a 1 GiB PUT instead of 64 MiB (docs/performance.md).
extern "C" {
// NOLINTNEXTLINE: the name jemalloc looks for.
const char* malloc_conf = "oversize_threshold:1048576";
}

int main(int argc, char** argv) {
  using namespace walfs::cli;
  CLI::App app{"walfs: a replicated file store for many concurrent writers"};
  app.set_version_flag("--version", walfs::VersionLine());
  app.require_subcommand(1);
  walfs::ClientOptions server;
  server.follow_redirects = true;  // to a replica that serves the path's volume
  if (const char* s = std::getenv("WALFS_SERVER")) server.server = s;
  if (const char* s = std::getenv("WALFS_TOKEN")) server.token = s;
  if (const char* s = std::getenv("WALFS_CACERT")) server.cacert = s;
  app.add_option("--server", server.server,
                 "server URL for client commands: http://HOST:PORT or https://HOST:PORT (env "
                 "WALFS_SERVER)");
  app.add_option("--token", server.token,
                 "bearer token sent to the server (env WALFS_TOKEN; the environment keeps it out "
                 "of the process list)");
  app.add_option("--cacert", server.cacert,
                 "PEM file of the CA(s) that signed an https server's certificate (env "
                 "WALFS_CACERT; default: the system's)");
  RunFn run;
  RegisterServe(app, &run);
  for (auto* reg : {RegisterPut, RegisterAppend, RegisterWrite, RegisterTruncate, RegisterCat,
                    RegisterGet, RegisterMv, RegisterRm, RegisterMkdir, RegisterLs, RegisterStat,
                    RegisterUploads, RegisterTail, RegisterWatch}) {
    reg(app, &server, &run);
  }
  RegisterStatus(app, &server, &run);
  RegisterSnapshots(app, &server, &run);
  RegisterToken(app, &run);
  RegisterMount(app, &server, &run);
  RegisterConfig(app, &run);
  // The first word that is not an option (nor --server's value) must name
  // a command: CLI11 alone says only that an argument was not expected.
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--server" || arg == "--token" || arg == "--cacert") {
      ++i;
      continue;
    }
    if (arg.empty() || arg[0] == '-') continue;
    try {
      app.get_subcommand(arg);
    } catch (const CLI::OptionNotFound&) {
      std::cerr << "walfs: '" << arg << "' is not a command; see walfs --help\n";
      return kExitUsage;
    }
    break;
  }
  // serve --config FILE: the file's keys as arguments.
  auto expanded = ExpandServeConfig(std::vector<std::string>(argv, argv + argc));
  if (!expanded.ok()) {
    std::cerr << "walfs serve: " << expanded.status().message() << "\n";
    return expanded.status().code() == walfs::Code::kNotFound ? kExitError : kExitUsage;
  }
  std::vector<const char*> args;
  for (const auto& a : *expanded) args.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (walfs::TokenInClear(server)) {
    std::cerr << "walfs: warning: sending a token over plain http to " << server.server
              << ": anyone on the network can read it; use https://\n";
  }
  try {
    return run ? run() : kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "walfs: " << e.what() << "\n";
    return kExitError;
  }
}
