// The walfs command line: one binary, subcommands registered by each file.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "backup/backup_store.h"
#include "client/http_client.h"

namespace walfs::cli {

// Exit codes: 0 ok, 1 error, 2 usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// Each Register* adds its subcommand(s) to app and sets *run to the function
// to call when one of them was chosen.
using RunFn = std::function<int()>;
void RegisterServe(CLI::App& app, RunFn* run);
// serve's checks of its arguments (those after "serve"), run as serve runs
// them before it creates anything: the flags' own, then those across flags
// (a listen address beyond loopback without --auth, an auth file that does
// not load, a bad log or backup URL). kBadRequest with why.
Status ValidateServe(const std::vector<std::string>& args);
// The environment variable that sets serve's option key (its long name
// without "--"), or nullptr.
const char* ServeEnvName(const std::string& key);
// walfs config check|example (src/cli/config.cc).
void RegisterConfig(CLI::App& app, RunFn* run);
// argv (the program's name first) with the keys of `serve --config FILE`
// put before serve's own arguments, but for the options the command line
// gives and those whose environment variable is set; argv itself when it
// is not serve --config. kBadRequest ("FILE:LINE: ...") for a bad file,
// kNotFound for one that cannot be read.
Result<std::vector<std::string>> ExpandServeConfig(const std::vector<std::string>& argv);
// The file commands, one file each (src/cli/<name>.cc).
void RegisterPut(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterAppend(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterWrite(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterTruncate(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterCat(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterGet(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterUploads(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterMv(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterRm(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterMkdir(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterLs(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterStat(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterTail(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterWatch(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterStatus(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterSnapshots(CLI::App& app, const ClientOptions* server, RunFn* run);
void RegisterToken(CLI::App& app, RunFn* run);
void RegisterMount(CLI::App& app, const ClientOptions* server, RunFn* run);

// The backup store's S3: --backup-s3-endpoint (or --s3-endpoint),
// --backup-s3-region (--s3-region is the S3 endpoint's own region); the
// keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
inline void AddS3Options(CLI::App* cmd, S3Options* s3) {
  cmd->add_option("--backup-s3-endpoint,--s3-endpoint", s3->endpoint,
                  "S3 endpoint URL of an s3:// backup store (env WALFS_S3_ENDPOINT)");
  cmd->add_option("--backup-s3-region", s3->region,
                  "S3 region of an s3:// backup store (env WALFS_S3_REGION)");
}

}  // namespace walfs::cli
