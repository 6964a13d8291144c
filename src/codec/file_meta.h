// FileMeta: the metadata stored with a file (entry format 4): the content
// headers and user metadata that S3 keeps with an object, and the object's
// S3 ETag when one is known (the MD5 of a whole write, computed where the
// request arrived and carried in the entry, so that every replica stores
// the same). The same bytes are an op's field and the file's "A" record.
//
//   varint  number of headers, then each: bytes name, bytes value
//   bytes   etag (without quotes; empty: none)
//
// A valid FileMeta (CheckFileMeta) has names in lower case, sorted, each
// once, each one of kStoredHeaders or "x-amz-meta-" followed by a token
// (the x-amz-checksum-* headers hold checksums of the content, which, like
// the ETag, a change of part of the file drops);
// values of bytes that an HTTP header may carry (no control characters:
// no CR, LF or NUL; UTF-8 as sent); at most kMaxFileMetaBytes of
// names and values together; an etag of 32 lower-case hex digits, with
// "-N" (N = 1..10000 parts) for a multipart upload's.
// Thread-safety: values and pure functions.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace walfs {

inline constexpr size_t kMaxFileMetaBytes = 8192;
inline constexpr size_t kMaxFileMetaHeaders = 64;
inline constexpr std::string_view kUserMetaPrefix = "x-amz-meta-";
inline constexpr std::string_view kChecksumPrefix = "x-amz-checksum-";
// The content headers stored as they were sent and returned on reads, and
// the checksums S3 stores.
inline constexpr std::array<std::string_view, 10> kStoredHeaders = {
    "cache-control",        "content-disposition",   "content-encoding",
    "content-language",     "content-type",          "expires",
    "x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-sha1",
    "x-amz-checksum-sha256"};

struct FileMeta {
  std::vector<std::pair<std::string, std::string>> headers;  // sorted by name
  std::string etag;
  bool empty() const { return headers.empty() && etag.empty(); }
  // The value of header name, or nullopt.
  std::optional<std::string_view> Get(std::string_view name) const;
  // Sets header name to value, in its place among the sorted headers.
  void Set(const std::string& name, const std::string& value);
  // Drops what a change of part of the content makes untrue: the ETag and
  // the checksums.
  void DropContentDigests();
  bool operator==(const FileMeta&) const = default;
};

void EncodeFileMeta(std::string* out, const FileMeta& m);
std::string EncodeFileMeta(const FileMeta& m);
// Reads one FileMeta; r turns not-ok on malformed or oversized bytes.
FileMeta DecodeFileMeta(Reader& r);
std::optional<FileMeta> DecodeFileMeta(std::string_view v);
// kBadRequest, saying what is wrong, unless m is valid (above).
Status CheckFileMeta(const FileMeta& m);
// Whether s is an ETag as stored: 32 lower-case hex digits, optionally "-N".
bool ValidStoredEtag(std::string_view s);

}  // namespace walfs
