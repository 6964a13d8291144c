// libFuzzer target: the auth file parser. It never crashes; what it accepts
// holds only well-formed principals (a credential each, canonical
// prefixes, unique names and keys), each found again by its access key.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "auth/auth_file.h"
#include "core/path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  auto cfg = walfs::ParseAuthFile(in);
  if (!cfg.ok()) {
    if (cfg.status().message().empty()) std::abort();
    return 0;
  }
  std::set<std::string> names;
  for (const auto& p : cfg->principals()) {
    if (p.name.empty() || !names.insert(p.name).second || p.prefixes.empty()) std::abort();
    if (p.token_sha256.empty() && p.s3_access_key.empty()) std::abort();
    if (!p.token_sha256.empty() && p.token_sha256.size() != 32) std::abort();
    for (const auto& prefix : p.prefixes) {
      auto again = walfs::NormalizePath(prefix);
      if (!again.ok() || *again != prefix) std::abort();
    }
    if (!p.s3_access_key.empty() && cfg->ByAccessKey(p.s3_access_key) != &p) std::abort();
  }
  return 0;
}
