// walfs cat PATH [--offset N] [--length N]: print a file, streamed.
#include <iostream>
#include <optional>

#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

struct CatArgs {
  std::string path;
  uint64_t offset = 0, length = 0;
  bool has_offset = false, has_length = false;
};

int RunCat(const ClientOptions& server, const CatArgs& a) {
  bool is_dir = false;
  auto offset = a.has_offset ? std::optional<uint64_t>(a.offset) : std::nullopt;
  auto length = a.has_length ? std::optional<uint64_t>(a.length) : std::nullopt;
  // Streams the file to stdout as it arrives: a large file is never held whole.
  auto r = WalfsClient(server).Cat(
      a.path, offset, length, [&](const ClientResponse& head, std::string_view chunk) {
        if (head.header("content-type") == "application/json") {  // a directory's listing
          is_dir = true;
          return false;
        }
        std::cout.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        return static_cast<bool>(std::cout);
      });
  if (is_dir) {
    std::cerr << "walfs: " << a.path << " is a directory\n";
    return kExitError;
  }
  if (!r.ok() || r->status >= 300) return PrintAnswer(r, false);
  std::cout.flush();
  return std::cout ? kExitOk : kExitError;
}

}  // namespace

void RegisterCat(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<CatArgs>();
  auto* cmd = app.add_subcommand("cat", "print a file");
  cmd->add_option("path", a->path)->required();
  cmd->add_option("--offset", a->offset, "first byte")
      ->check(NumberIn(0, kU64Max))
      ->each([=](const std::string&) { a->has_offset = true; });
  cmd->add_option("--length", a->length, "bytes to print")
      ->check(NumberIn(0, kU64Max))
      ->each([=](const std::string&) { a->has_length = true; });
  cmd->callback([=] { *run = [=] { return RunCat(*server, *a); }; });
}

}  // namespace walfs::cli
