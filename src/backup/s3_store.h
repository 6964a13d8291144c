// The S3 backup store (libcurl, AWS SigV4, path-style requests).
//
// curl 7.88 signs requests (CURLOPT_AWS_SIGV4) but does not send
// x-amz-content-sha256, which S3 requires: every request sets it to the
// SHA-256 of its payload, computed by streaming the file once before the
// upload. Objects are uploaded in one PUT each (up to 5 GiB, S3's limit).
// No header is added that curl would sign but S3 tooling strips (such as an
// empty "Expect:"), so signatures check out with independent verifiers.
#pragma once

#include "backup/backup_store.h"

namespace walfs {

Result<std::unique_ptr<BackupStore>> OpenS3Store(const std::string& url, const S3Options& opts);

// Percent-encodes a key for an S3 path (keeps unreserved bytes and '/').
std::string S3EncodeKey(const std::string& key);
// Parses one page of a ListObjectsV2 answer; *next is the continuation
// token, or empty on the last page.
std::vector<ObjectInfo> ParseListObjects(const std::string& xml, std::string* next);

}  // namespace walfs
