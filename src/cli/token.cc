// walfs token: a new random bearer token and its token_sha256, for the
// auth file (docs/security.md). The token is shown once; the server keeps
// only the hash.
#include <iostream>
#include <nlohmann/json.hpp>

#include "auth/crypto.h"
#include "cli/commands.h"
#include "core/hash.h"

namespace walfs::cli {

void RegisterToken(CLI::App& app, RunFn* run) {
  auto* cmd = app.add_subcommand(
      "token", "print a new bearer token and its token_sha256 (for the auth file) as JSON");
  cmd->callback([=] {
    *run = [] {
      // 32 random bytes; the prefix lets secret scanners recognise one.
      std::string token = "walfs_" + ToHex(RandomBytes(32));
      nlohmann::json out = {{"token", token}, {"token_sha256", ToHex(Sha256(token))}};
      std::cout << out.dump() << "\n";
      return kExitOk;
    };
  });
}

}  // namespace walfs::cli
