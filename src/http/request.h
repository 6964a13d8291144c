// Request parsing: an HTTP request (as plain data) -> what it asks for.
//
// Pure: no sockets, no store, no log. Every malformed request becomes the
// contract's 4xx error here, before anything is proposed, so bad input never
// reaches the log. The state machine validates again at apply time.
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include <vector>

#include "auth/principal.h"
#include "codec/entry.h"
#include "http/transaction_json.h"
#include "replica/options.h"

namespace walfs {

using HeaderMap = std::map<std::string, std::string, std::less<>>;

// What the S3 endpoint (src/s3) asks of the API in-process, beyond what HTTP
// carries; no header sets it. Its presence makes a read answer S3's ETag
// (the MD5 of a whole write, where one is stored) and the object's user
// metadata (x-amz-meta-*).
struct S3Call {
  // PUT: the file's metadata (with its ETag); append: the headers it gets
  // if the append creates it; upload create: the headers its commit gives;
  // upload commit: only the ETag.
  FileMeta meta;
  std::vector<std::string> part_md5s;  // upload commit: the MD5s the parts must have
  bool md5_etag = false;               // a streamed PUT: the body's MD5 becomes its ETag
};

struct HttpRequest {
  std::string method;  // upper case
  std::string target;  // path and query, as sent
  HeaderMap headers;   // names in lower case
  std::string body;
  // Who sent it, once authenticated (http/auth_gate.h); null without
  // authentication, or for a request that carried no credentials.
  std::shared_ptr<const Principal> principal;
  std::optional<S3Call> s3;  // set only by the S3 endpoint
  std::string_view header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string_view() : std::string_view(it->second);
  }
};

enum class Route {
  kHealthz,
  kReadyz,
  kMetrics,
  kCluster,
  kSnapshotsList,
  kSnapshotsTake,
  kFsRead,
  kFsWrite,
  kTx,
  kUploadCreate,  // POST /v1/uploads
  kUploadList,    // GET /v1/uploads?path=/prefix
  kUploadGet,     // GET /v1/uploads/{id}
  kUploadAbort,   // DELETE /v1/uploads/{id}
  kUploadPart,    // PUT /v1/uploads/{id}/parts/{n}
  kUploadCommit,  // POST /v1/uploads/{id}/commit
  kWatch,         // GET /v1/watch?path=/p[&recursive][&from=P]
  kConsole,       // GET /ui[/NAME]: the web console's files
};

// The methods a path takes ("GET, HEAD", for an Allow header); empty for a
// path that is no endpoint.
std::string_view AllowedMethods(std::string_view path);
bool MethodAllowed(std::string_view method, std::string_view allow);

// A coarse label for metrics: fs_read, fs_write, tx, healthz, readyz, metrics, cluster, admin,
// other.
std::string_view RouteLabel(std::string_view method, std::string_view target);

struct Barrier {
  // min_position: one position per volume at most ("1732-0,big:1800-0");
  // a read waits for the one of its path's volume (MinPositionFor).
  std::map<std::string, Position, std::less<>> min_positions;
  std::optional<Position> MinPositionFor(std::string_view volume) const {
    auto it = min_positions.find(volume);
    return it == min_positions.end() ? std::nullopt : std::optional<Position>(it->second);
  }
  bool strong = false;
  uint32_t timeout_ms = 0;
};

struct ReadCommand {
  std::string path;  // canonical
  bool head = false;
  enum class Kind { kAuto, kStat, kList } kind = Kind::kAuto;
  bool recursive = false;
  size_t limit = 0;
  std::string after;
  std::string range;  // the Range header, if any
  // Conditional-read headers (RFC 9110 section 13), as sent; nullopt when absent.
  std::optional<std::string> if_match, if_none_match, if_modified_since, if_unmodified_since,
      if_range;
  std::optional<uint64_t> offset, length;
  bool s3 = false;      // the request came through the S3 endpoint (S3Call)
  bool follow = false;  // ?follow: stream what is appended after the end
};

// GET /v1/watch (api-v1.md, "Watching").
struct WatchCommand {
  std::string path;  // canonical
  bool recursive = false;
  // Where to start: the events after this id (Last-Event-ID, else from=);
  // unset: from now. Its volume ("" for root) as sent.
  std::optional<std::string> after_volume;
  Position after_pos;
  std::optional<uint32_t> after_index;
};

struct WriteCommand {
  Entry entry;
  bool md5_etag = false;  // S3Call::md5_etag
  // S3's put: a checksum the body's trailers bring is stored with the file.
  bool trailer_checksums = false;
  bool is_tx = false;
  bool ack_log = false;
  uint32_t timeout_ms = 0;
};

// The upload routes (api-v1.md, "Writes of any size"). The write options
// (ack, timeout, Idempotency-Key) of a commit are in ParsedRequest::write;
// its conditions name the upload's target, which the handler looks up.
struct UploadCommand {
  std::string id;     // as sent (an id that names no upload is 404)
  uint32_t part = 0;  // kUploadPart
  std::string path;   // kUploadCreate: the target; kUploadList: the prefix
  OpType target = OpType::kPut;
  uint64_t offset = 0;
  std::vector<uint32_t> parts;  // kUploadCommit: chosen parts (empty: all)
  bool has_conditions = false;  // kUploadCommit: If-Match, If-None-Match, X-Walfs-If-Size
};

struct ParsedRequest {
  Route route = Route::kHealthz;
  Barrier barrier;
  ReadCommand read;
  WriteCommand write;
  UploadCommand upload;
  WatchCommand watch;
  std::string console_asset;  // kConsole: NAME ("" for the page)
};

Result<ParsedRequest> ParseRequest(const HttpRequest& req, const ServerOptions& opts);

// What a request is about, as far as its head tells: where a cluster split
// into volumes sends it (volume/volume_front.h).
struct RequestSubject {
  enum class Kind {
    kNone,      // no path (health, metrics, cluster, snapshots) or a malformed one
    kPath,      // a file or directory: value is its canonical path
    kUploadId,  // an upload by id: value is the id, as sent
    kBody,      // a transaction or an upload's creation: the path is in the body
  } kind = Kind::kNone;
  std::string value;
};
RequestSubject SubjectOf(std::string_view method, std::string_view target);

// The conditions headers of a write on path, as entry conditions.
Status AddConditions(const HttpRequest& req, const std::string& path, Entry* e);

// Whether the request's body is streamed into an upload rather than read
// whole: a part of an upload always; a PUT, append or write of a file when
// its body is over one entry or its length is not known (chunked).
bool StreamsBody(std::string_view method, std::string_view target,
                 std::optional<uint64_t> content_length, const ServerOptions& o);

}  // namespace walfs
