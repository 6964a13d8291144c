// walfs truncate PATH SIZE: cut or extend a file.
#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

struct TruncateArgs {
  std::string path;
  uint64_t size = 0;
};

}  // namespace

void RegisterTruncate(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<TruncateArgs>();
  auto* cmd = app.add_subcommand("truncate", "cut or extend a file to SIZE bytes");
  cmd->add_option("path", a->path)->required();
  cmd->add_option("size", a->size)->required()->check(NumberIn(0, kU64Max));
  cmd->callback([=] {
    *run = [=] { return PrintAnswer(WalfsClient(*server).Truncate(a->path, a->size), true); };
  });
}

}  // namespace walfs::cli
