// walfs rm PATH [-r]: delete a file, an empty directory, or a subtree.
#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

struct RmArgs {
  std::string path;
  bool recursive = false;
};

}  // namespace

void RegisterRm(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<RmArgs>();
  auto* cmd = app.add_subcommand("rm", "delete a file or an empty directory");
  cmd->add_option("path", a->path)->required();
  cmd->add_flag("-r,--recursive", a->recursive, "delete a whole subtree");
  cmd->callback([=] {
    *run = [=] { return PrintAnswer(WalfsClient(*server).Delete(a->path, a->recursive), true); };
  });
}

}  // namespace walfs::cli
