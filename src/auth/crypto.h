// The digests and comparisons authentication needs, from OpenSSL: SHA-256,
// HMAC-SHA-256, a comparison whose time does not depend on where two
// secrets differ, and random bytes for new tokens.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace walfs {

// 32 raw bytes.
std::string Sha256(std::string_view data);
// 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
// True if a and b are equal; for equal sizes its time depends only on the
// size.
bool ConstantTimeEqual(std::string_view a, std::string_view b);
// n bytes from OpenSSL's CSPRNG; throws std::runtime_error if it fails.
std::string RandomBytes(size_t n);

}  // namespace walfs
