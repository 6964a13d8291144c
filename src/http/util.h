// Pure helpers of the HTTP layer: status mapping, Range, query strings,
// times, base64. No sockets, no Beast; fuzzable and unit-tested.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace walfs {

// The one place where a status code becomes an HTTP status.
int HttpStatusFor(Code c);

// A request refused as malformed (400 bad_request).
inline Status BadRequest(std::string message) {
  return Status(Code::kBadRequest, std::move(message));
}

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};
// Parses "bytes=a-b", "bytes=a-" or "bytes=-n" against a file of `size`
// bytes. kInvalidRange if malformed or unsatisfiable (one range only).
Result<ByteRange> ParseRange(std::string_view header, uint64_t size);

// The Range header as RFC 9110 has a server treat it: nullopt (serve the
// whole file, 200) when there is none, its unit is not bytes, or it asks for
// several ranges; else ParseRange's answer.
Result<std::optional<ByteRange>> SelectRange(std::string_view header, uint64_t size);

// The items of a comma-separated header value, spaces around each trimmed,
// empty ones left out.
std::vector<std::string_view> CommaList(std::string_view value);

// An entity-tag list (If-Match, If-None-Match): each tag as sent, quotes and
// any W/ prefix kept. nullopt when malformed. "*" is not a list: test for it
// first.
std::optional<std::vector<std::string>> ParseEtagList(std::string_view header);
// Strong comparison: equal and neither weak. Weak: equal once W/ is dropped.
bool EtagMatchesStrong(std::string_view tag, std::string_view etag);
bool EtagMatchesWeak(std::string_view tag, std::string_view etag);
// An IMF-fixdate ("Tue, 24 Nov 2026 17:00:00 GMT") as seconds since the
// epoch; nullopt for anything else (a date a server must then ignore).
std::optional<uint64_t> ParseHttpDate(std::string_view s);

// "a=1&b&c=x%20y" -> {a:1, b:"", c:"x y"}; kBadRequest on a bad escape.
Result<std::map<std::string, std::string, std::less<>>> ParseQuery(std::string_view q);

// Parses a whole decimal u64 ("" or junk -> nullopt).
std::optional<uint64_t> ParseU64(std::string_view s);

std::string FormatIsoTime(uint64_t ms);   // 2026-11-24T17:00:00.123Z
std::string FormatHttpDate(uint64_t ms);  // Tue, 24 Nov 2026 17:00:00 GMT

std::string Base64Encode(std::string_view in);
// Strict standard alphabet with padding; nullopt on anything else.
std::optional<std::string> Base64Decode(std::string_view in);

}  // namespace walfs
