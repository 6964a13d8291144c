// walfs uploads [PREFIX]: list open uploads; walfs uploads abort ID.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

using nlohmann::json;

struct UploadsArgs {
  std::string prefix = "/";
  std::string abort_id;
};

int RunList(const ClientOptions& server, const UploadsArgs& a) {
  auto r = WalfsClient(server).ListUploads(a.prefix);
  if (!r.ok() || r->status != 200) return PrintAnswer(r, false);
  json j = json::parse(r->body);
  for (const auto& u : j["uploads"]) {
    std::cout << u["upload_id"].get<std::string>() << "  " << u["op"].get<std::string>() << "  "
              << u["path"].get<std::string>() << "  "
              << HumanBytes(static_cast<double>(u["staged_bytes"].get<uint64_t>()))
              << " staged  expires " << u["expires"].get<std::string>() << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterUploads(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<UploadsArgs>();
  auto* cmd = app.add_subcommand("uploads", "list open uploads (under PREFIX), or abort one");
  cmd->add_option("prefix", a->prefix, "list the uploads to paths under this one");
  auto* abort = cmd->add_subcommand("abort", "abort an upload: its staged bytes are freed");
  abort->add_option("id", a->abort_id)->required();
  cmd->callback([=] {
    if (abort->parsed()) {
      *run = [=] { return PrintAnswer(WalfsClient(*server).AbortUpload(a->abort_id), true); };
    } else {
      *run = [=] { return RunList(*server, *a); };
    }
  });
}

}  // namespace walfs::cli
