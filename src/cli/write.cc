// walfs write PATH OFFSET [FILE|-]: write at a byte offset.
#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

struct WriteArgs {
  std::string path, source = "-";
  uint64_t offset = 0;
};

int RunWrite(const ClientOptions& server, const WriteArgs& a) {
  std::string data;
  if (!ReadSource(a.source, &data)) return kExitError;
  return PrintAnswer(WalfsClient(server).Write(a.path, a.offset, data), true);
}

}  // namespace

void RegisterWrite(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<WriteArgs>();
  auto* cmd = app.add_subcommand("write", "write FILE (or stdin) at OFFSET");
  cmd->add_option("path", a->path)->required();
  cmd->add_option("offset", a->offset)->required()->check(NumberIn(0, kU64Max));
  cmd->add_option("file", a->source, "a local file, or - for stdin");
  cmd->callback([=] { *run = [=] { return RunWrite(*server, *a); }; });
}

}  // namespace walfs::cli
