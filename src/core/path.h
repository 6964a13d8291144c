// Path validation and normalisation, exactly as api-v1.md "Paths" says.
//
// A canonical path starts with '/', has no trailing slash (except the root
// "/"), and its components are non-empty, not "." or "..", free of NUL,
// valid UTF-8 and at most 255 bytes; the whole path is at most 4096 bytes.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace walfs {

inline constexpr size_t kMaxComponentBytes = 255;
inline constexpr size_t kMaxPathBytes = 4096;

// Accepts "a/b", "/a/b", "a/b/" and "" (the root); returns the canonical
// form ("/a/b", "/"), or kInvalidPath with a sentence saying why.
Result<std::string> NormalizePath(std::string_view raw);

// Components of a canonical path ("/" has none).
std::vector<std::string_view> PathComponents(std::string_view canonical);

// Parent of a canonical path ("/a/b" -> "/a", "/a" -> "/"); REQUIRES not root.
std::string_view ParentPath(std::string_view canonical);
// Last component; REQUIRES not root.
std::string_view BaseName(std::string_view canonical);

// True if `inner` is `outer` or lies beneath it (both canonical).
bool IsSameOrBeneath(std::string_view inner, std::string_view outer);

bool IsValidUtf8(std::string_view s);

// RFC 3986 percent-encoding as S3 and SigV4 use it: every byte but
// A-Z a-z 0-9 - . _ ~ becomes %XY (upper-case hex); '/' too unless keep_slash.
std::string PercentEncode(std::string_view s, bool keep_slash);
// Decodes %XX escapes; kBadRequest on a malformed escape. '+' is kept.
Result<std::string> PercentDecode(std::string_view s);

}  // namespace walfs
