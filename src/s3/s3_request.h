// S3 request parsing (s3.md): which operation an S3 request is, on which
// bucket and key, from its method, target, Host header and headers; and
// the mapping of buckets and keys onto walfs paths.
//
//   path style              http://host/BUCKET/KEY?QUERY
//   virtual-hosted style    http://BUCKET.DOMAIN/KEY?QUERY (with --s3-domain)
//
// A bucket is a top-level directory, a key the path beneath it: bucket b,
// key a/b.txt is /b/a/b.txt. Keys that a file system cannot hold (an empty,
// "." or ".." component, a NUL, invalid UTF-8, a component over 255 bytes)
// are refused with InvalidArgument saying why; a key ending in "/" names a
// directory (the console's "folder").
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/request.h"
#include "s3/s3_error.h"

namespace walfs {

enum class S3Op {
  kListBuckets,
  kCreateBucket,
  kDeleteBucket,
  kHeadBucket,
  kGetBucketLocation,
  kGetBucketVersioning,
  kListObjects,    // v1
  kListObjectsV2,  // list-type=2
  kListMultipartUploads,
  kDeleteObjects,
  kPutObject,
  kCopyObject,
  kGetObject,
  kHeadObject,
  kDeleteObject,
  kCreateMultipartUpload,
  kUploadPart,
  kUploadPartCopy,
  kCompleteMultipartUpload,
  kAbortMultipartUpload,
  kListParts,
};

std::string_view S3OpName(S3Op op);

using S3Query = std::map<std::string, std::string, std::less<>>;

struct S3Request {
  S3Op op = S3Op::kListBuckets;
  std::string bucket;  // empty for ListBuckets
  std::string key;     // decoded; empty for bucket operations
  S3Query query;       // decoded
  // The walfs path of the bucket or the object: "/bucket" or
  // "/bucket/key" (a key's trailing "/" dropped).
  std::string path;
  bool directory_key = false;  // the key ends in "/"
  // The S3 resource the request names, for error answers: "/bucket/key".
  std::string resource() const;
  bool Has(std::string_view q) const { return query.count(q) != 0; }
  std::string_view Query(std::string_view q) const {
    auto it = query.find(q);
    return it == query.end() ? std::string_view() : std::string_view(it->second);
  }
};

// domain: --s3-domain ("" for path style only).
std::variant<S3Request, S3Error> ParseS3Request(const HttpRequest& req, std::string_view domain);

// S3's bucket naming rules: 3 to 63 characters, lower-case letters,
// digits, '-' and '.', beginning and ending with a letter or digit, not an
// IP address. nullopt if fine.
std::optional<S3Error> CheckBucketName(std::string_view name);

// The walfs path of bucket/key, or InvalidArgument saying why the key
// cannot be a path.
std::variant<std::string, S3Error> ObjectPath(std::string_view bucket, std::string_view key);

}  // namespace walfs
