// Request parsing: an HTTP request (as plain data) -> what it asks for.
//
// Pure: no sockets, no store, no log. Every malformed request becomes the
// contract's 4xx error here, before anything is proposed, so bad input never
// reaches the log. The state machine validates again at apply time.
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "codec/entry.h"
#include "http/transaction_json.h"
#include "replica/options.h"

namespace walfs {

using HeaderMap = std::map<std::string, std::string, std::less<>>;

struct HttpRequest {
  std::string method;  // upper case
  std::string target;  // path and query, as sent
  HeaderMap headers;   // names in lower case
  std::string body;
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
  kTx
};

// The methods a path takes ("GET, HEAD", for an Allow header); empty for a
// path that is no endpoint.
std::string_view AllowedMethods(std::string_view path);
bool MethodAllowed(std::string_view method, std::string_view allow);

// A coarse label for metrics: fs_read, fs_write, tx, healthz, readyz, metrics, cluster, admin,
// other.
std::string_view RouteLabel(std::string_view method, std::string_view target);

struct Barrier {
  std::optional<Position> min_position;
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
};

struct WriteCommand {
  Entry entry;
  bool is_tx = false;
  bool ack_log = false;
  uint32_t timeout_ms = 0;
};

struct ParsedRequest {
  Route route = Route::kHealthz;
  Barrier barrier;
  ReadCommand read;
  WriteCommand write;
};

Result<ParsedRequest> ParseRequest(const HttpRequest& req, const ServerOptions& opts);

}  // namespace walfs
