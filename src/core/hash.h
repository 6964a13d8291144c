// Hashes used by walfs, all from xxHash (stable across versions and
// machines, which the digest and the on-disk checksums rely on).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace walfs {

// 64-bit checksum of log records and entries (XXH64, seed 0).
uint64_t Checksum64(std::string_view data);
// 128-bit hash as 16 raw bytes (XXH3-128, seed 0): digests, fingerprints.
std::string Hash128(std::string_view data);
std::string ToHex(std::string_view bytes);
// Checksum64 of a whole file, read in chunks; nullopt if it cannot be read.
std::optional<uint64_t> FileChecksum64(const std::string& path);

}  // namespace walfs
