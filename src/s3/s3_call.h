// One S3 request being answered (S3Api's handlers share it): the request
// parsed, its id, its principal, headers and body; and the small helpers
// every handler uses to shape an answer.
// Thread-safety: a Call belongs to one coroutine.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "http/request.h"
#include "http/response.h"
#include "replica/options.h"
#include "s3/s3_api.h"
#include "schema/fs_view.h"

namespace walfs {

// A new x-amz-request-id: 16 upper-case hex digits, unique in this
// process: a random prefix drawn once, then a counter (drawing random bytes
// for each request cost two system calls).
std::string NewRequestId();

struct S3Api::Call {
  std::optional<S3Request> parsed;  // nullopt: error says why
  S3Error error;
  std::string request_id;
  std::string target_path;  // the target's path, for errors before parsing
  bool head = false;
  std::shared_ptr<const Principal> principal;
  HeaderMap headers;
  std::string body;

  static Call Start(const HttpRequest& req, const ServerOptions& opts);
  std::string_view header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string_view() : std::string_view(it->second);
  }
};

// The metadata a write stores from its request's headers: the content
// headers and x-amz-meta-* (not walfs's own x-amz-meta-walfs-append);
// MetadataTooLarge over 2 KiB of user metadata, as S3. checksums: keep the
// x-amz-checksum-* headers (the caller verifies them against the body).
std::variant<FileMeta, S3Error> MetaFromHeaders(const HeaderMap& headers, bool checksums);
// The ETags of an If-Match or If-None-Match value, unquoted ("*" stays).
std::vector<std::string> EtagList(std::string_view value);
// The S3 ETag of a file (unquoted): its stored MD5 ETag, else its version.
std::string S3EtagOf(const Node& n, const FileMeta& meta);

// 200 with an XML document.
HttpResponse XmlAnswer(std::string doc);
// The API's answer to a write of a file (201 or 200 with its path,
// version, size, position) as S3's: 200, ETag, x-walfs-position. The ETag
// is etag if given, else the API's ETag header (a streamed put's MD5),
// else the new version.
HttpResponse PutAnswer(const HttpResponse& api, std::string_view etag = "");
// An If-Match/If-None-Match value with each ETag quoted: S3 takes them
// bare too ("abc" and abc are the same ETag); "*" stays.
std::string QuoteEtags(std::string_view value);
// The value of header name in an answer ("" if none).
std::string_view AnswerHeader(const HttpResponse& r, std::string_view name);

}  // namespace walfs
