// walfs ls [PATH] [-l] [-R]: list a directory, every page.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

using nlohmann::json;

struct LsArgs {
  std::string path = "/";
  bool long_form = false, recursive = false;
};

int RunLs(const ClientOptions& server, const LsArgs& a) {
  WalfsClient c(server);
  std::string after;
  for (;;) {
    auto r = c.List(a.path, a.recursive, after);
    if (!r.ok() || r->status >= 300) return PrintAnswer(r, false);
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || !j["entries"].is_array()) return kExitError;
    for (const auto& e : j["entries"]) {
      std::string name = e["name"].get<std::string>() + (e["type"] == "dir" ? "/" : "");
      if (a.long_form) {
        std::cout << (e["type"] == "dir"       ? "d "
                      : e["type"] == "symlink" ? "l "
                                               : "- ")
                  << e["size"].get<uint64_t>() << "\t" << e["mtime"].get<std::string>() << "\t"
                  << e["version"].get<std::string>() << "\t" << name << "\n";
      } else {
        std::cout << name << "\n";
      }
    }
    if (j["next"].is_null()) return kExitOk;
    after = j["next"].get<std::string>();
  }
}

}  // namespace

void RegisterLs(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<LsArgs>();
  auto* cmd = app.add_subcommand("ls", "list a directory");
  cmd->add_option("path", a->path, "directory (default /)");
  cmd->add_flag("-l", a->long_form, "type, size, mtime, version and name");
  cmd->add_flag("-R,--recursive", a->recursive, "the whole subtree");
  cmd->callback([=] { *run = [=] { return RunLs(*server, *a); }; });
}

}  // namespace walfs::cli
