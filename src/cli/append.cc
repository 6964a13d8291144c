// walfs append PATH [FILE|-]: append to a file (created if absent).
#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

struct AppendArgs {
  std::string path, source = "-";
};

int RunAppend(const ClientOptions& server, const AppendArgs& a) {
  std::string data;
  if (!ReadSource(a.source, &data)) return kExitError;
  return PrintAnswer(WalfsClient(server).Append(a.path, data), true);
}

}  // namespace

void RegisterAppend(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<AppendArgs>();
  auto* cmd = app.add_subcommand("append", "append FILE (or stdin) to a file");
  cmd->add_option("path", a->path)->required();
  cmd->add_option("file", a->source, "a local file, or - for stdin");
  cmd->callback([=] { *run = [=] { return RunAppend(*server, *a); }; });
}

}  // namespace walfs::cli
