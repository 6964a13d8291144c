// walfs mkdir PATH: create a directory and its missing parents.
#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

struct MkdirArgs {
  std::string path;
};

}  // namespace

void RegisterMkdir(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<MkdirArgs>();
  auto* cmd = app.add_subcommand("mkdir", "create a directory and its missing parents");
  cmd->add_option("path", a->path)->required();
  cmd->callback(
      [=] { *run = [=] { return PrintAnswer(WalfsClient(*server).Mkdir(a->path), true); }; });
}

}  // namespace walfs::cli
