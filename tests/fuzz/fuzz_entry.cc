// libFuzzer target: the entry decoder. Any bytes: never crash; a decoded
// entry re-encodes to bytes that decode to the same entry and fingerprint.
// Each input is also decoded with a valid checksum put in its last 8 bytes,
// so that the fuzzer reaches the structural checks behind the checksum.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "codec/entry.h"
#include "core/bytes.h"
#include "core/hash.h"

namespace {
void Check(std::string_view in) {
  auto d = walfs::DecodeEntry(in, 1 << 20);
  if (!d.ok()) return;
  auto again = walfs::DecodeEntry(walfs::EncodeEntry(d->entry, d->version), 1 << 20);
  if (!again.ok() || !(again->entry == d->entry) || again->fingerprint != d->fingerprint ||
      again->version != d->version)
    std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  Check(in);
  if (size >= 8) {
    std::string sealed(in.substr(0, size - 8));
    walfs::PutFixed64LE(&sealed, walfs::Checksum64(sealed));
    Check(sealed);
  }
  return 0;
}
