// walfs mv SRC DST [--overwrite]: rename a file or a directory.
#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

struct MvArgs {
  std::string path, dest;
  bool overwrite = false;
};

}  // namespace

void RegisterMv(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<MvArgs>();
  auto* cmd = app.add_subcommand("mv", "rename a file or a directory");
  cmd->add_option("src", a->path)->required();
  cmd->add_option("dst", a->dest)->required();
  cmd->add_flag("--overwrite", a->overwrite, "replace an existing file at dst");
  cmd->callback([=] {
    *run = [=] {
      return PrintAnswer(WalfsClient(*server).Rename(a->path, a->dest, a->overwrite), true);
    };
  });
}

}  // namespace walfs::cli
