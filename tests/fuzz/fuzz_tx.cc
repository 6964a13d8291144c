// libFuzzer target: the transaction JSON parser. Accepted bodies become
// entries that round-trip through the codec.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "codec/entry.h"
#include "http/request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto e = walfs::ParseTransaction(in);
  if (!e.ok()) return 0;
  auto d = walfs::DecodeEntry(walfs::EncodeEntry(*e), 1ull << 30);
  if (!d.ok() || !(d->entry == *e)) std::abort();
  return 0;
}
