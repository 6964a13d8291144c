// libFuzzer target: path validation and percent-decoding. A valid path is
// canonical: normalising it again gives itself, and its components obey
// the contract's rules.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  auto decoded = walfs::PercentDecode(in);
  for (const std::string* s : {&in, decoded.ok() ? &*decoded : &in}) {
    auto p = walfs::NormalizePath(*s);
    if (!p.ok()) continue;
    auto again = walfs::NormalizePath(*p);
    if (!again.ok() || *again != *p || p->size() > walfs::kMaxPathBytes) std::abort();
    for (auto c : walfs::PathComponents(*p)) {
      if (c.empty() || c == "." || c == ".." || c.size() > walfs::kMaxComponentBytes ||
          c.find('\0') != std::string_view::npos) {
        std::abort();
      }
    }
  }
  return 0;
}
