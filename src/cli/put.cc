// walfs put PATH [FILE|-]: create or replace a file.
#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

struct PutArgs {
  std::string path, source = "-";
};

int RunPut(const std::string& server, const PutArgs& a) {
  std::string data;
  if (!ReadSource(a.source, &data)) return kExitError;
  return PrintAnswer(WalfsClient(server).Put(a.path, data), true);
}

}  // namespace

void RegisterPut(CLI::App& app, const std::string* server, RunFn* run) {
  auto a = std::make_shared<PutArgs>();
  auto* cmd = app.add_subcommand("put", "create or replace a file with FILE (or stdin)");
  cmd->add_option("path", a->path)->required();
  cmd->add_option("file", a->source, "a local file, or - for stdin");
  cmd->callback([=] { *run = [=] { return RunPut(*server, *a); }; });
}

}  // namespace walfs::cli
