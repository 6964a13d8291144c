// The walfs command line: one binary, subcommands registered by each file.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

namespace walfs::cli {

// Exit codes: 0 ok, 1 error, 2 usage.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// Each Register* adds its subcommand(s) to app and sets *run to the function
// to call when one of them was chosen.
using RunFn = std::function<int()>;
void RegisterServe(CLI::App& app, RunFn* run);
void RegisterFsCommands(CLI::App& app, const std::string* server, RunFn* run);
void RegisterStatus(CLI::App& app, const std::string* server, RunFn* run);

}  // namespace walfs::cli
