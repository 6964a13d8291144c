// The token of an `Authorization: Bearer <token>` header (RFC 6750 section
// 2.1): the scheme in any case, one or more spaces, then a token68 (letters,
// digits and -._~+/ followed by any '='). Anything else is no bearer token
// (nullopt): the caller answers 401.
// Thread-safety: pure function.
#pragma once

#include <optional>
#include <string_view>

namespace walfs {

inline constexpr size_t kBearerTokenBytesMax = 4096;

std::optional<std::string_view> BearerToken(std::string_view authorization);

}  // namespace walfs
