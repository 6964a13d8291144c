// libFuzzer target: the entry decoder. Any bytes: never crash; a decoded
// entry re-encodes to bytes that decode to the same entry and fingerprint.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "codec/entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto d = walfs::DecodeEntry(in, 1 << 20);
  if (!d.ok()) return 0;
  auto again = walfs::DecodeEntry(walfs::EncodeEntry(d->entry), 1 << 20);
  if (!again.ok() || !(again->entry == d->entry) || again->fingerprint != d->fingerprint) std::abort();
  return 0;
}
