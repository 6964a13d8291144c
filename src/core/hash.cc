#include "core/hash.h"

#include <xxhash.h>

#include "core/bytes.h"

namespace walfs {

uint64_t Checksum64(std::string_view data) { return XXH64(data.data(), data.size(), 0); }

std::string Hash128(std::string_view data) {
  XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
  std::string out;
  PutFixed64BE(&out, h.high64);
  PutFixed64BE(&out, h.low64);
  return out;
}

std::optional<uint64_t> FileChecksum64(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return std::nullopt;
  XXH64_state_t* st = XXH64_createState();
  XXH64_reset(st, 0);
  std::string buf(1 << 20, '\0');
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) XXH64_update(st, buf.data(), n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  uint64_t h = XXH64_digest(st);
  XXH64_freeState(st);
  if (!ok) return std::nullopt;
  return h;
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHex[c >> 4];
    out[2 * i + 1] = kHex[c & 15];
  }
  return out;
}

}  // namespace walfs
