// TransferOptions: what `walfs put` and `walfs get` share for transfers of
// any size: how many parts or ranges move at once, how often each is
// retried, and whether a progress bar is drawn.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "cli/number_arg.h"

namespace walfs::cli {

struct TransferOptions {
  size_t parallel = 4;
  int retries = 5;
  std::optional<bool> progress;  // --progress / --no-progress; else when stderr is a terminal
};

// For the help texts: what --parallel counts ("parts sent at once") and
// what one attempt moves ("part").
inline void AddTransferOptions(CLI::App* cmd, TransferOptions* t, const std::string& parallel_help,
                               const std::string& unit) {
  cmd->add_option("--parallel", t->parallel, parallel_help)
      ->check(NumberIn(1, 64))
      ->capture_default_str();
  cmd->add_option("--retries", t->retries, "attempts per " + unit + " after the first")
      ->check(NumberIn(0, 100))
      ->capture_default_str();
  cmd->add_flag_function(
      "--progress,!--no-progress", [t](int64_t n) { t->progress = n > 0; },
      "a progress bar on stderr (default: when stderr is a terminal)");
}

}  // namespace walfs::cli
