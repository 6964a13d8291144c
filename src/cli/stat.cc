// walfs stat PATH: a file's or directory's metadata as JSON.
#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

struct StatArgs {
  std::string path;
};

}  // namespace

void RegisterStat(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<StatArgs>();
  auto* cmd = app.add_subcommand("stat", "print a file's or directory's metadata as JSON");
  cmd->add_option("path", a->path)->required();
  cmd->callback(
      [=] { *run = [=] { return PrintAnswer(WalfsClient(*server).Stat(a->path), true); }; });
}

}  // namespace walfs::cli
