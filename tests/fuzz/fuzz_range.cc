// libFuzzer target: the Range header parser. An accepted range lies inside
// the file and is not empty.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "http/util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  uint64_t file_size;
  std::memcpy(&file_size, data, 8);
  file_size %= (1ull << 41);
  std::string_view h(reinterpret_cast<const char*>(data + 8), size - 8);
  auto r = walfs::ParseRange(h, file_size);
  if (r.ok() && (r->length == 0 || r->offset >= file_size || r->length > file_size - r->offset))
    std::abort();
  return 0;
}
