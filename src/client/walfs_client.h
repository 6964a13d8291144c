// WalfsClient: the v1 API as typed calls. Paths in (absolute, with or
// without the leading /), answers out; the targets, query strings and
// percent-encoding are built here, once, for the CLI and the tests.
// Thread-safety: one instance per thread (it holds one connection).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/http_client.h"

namespace walfs {

class WalfsClient {
 public:
  explicit WalfsClient(std::string server, int timeout_ms = 30000)
      : http_(std::move(server), timeout_ms) {}
  explicit WalfsClient(const ClientOptions& o) : http_(o) {}
  WalfsClient(ClientOptions o, int timeout_ms) : http_(WithTimeout(std::move(o), timeout_ms)) {}

  using Answer = Result<ClientResponse>;
  Answer Put(std::string_view path, const std::string& data) { return Send("PUT", path, "", data); }
  Answer Append(std::string_view path, const std::string& data) {
    return Send("POST", path, "?op=append", data);
  }
  Answer Write(std::string_view path, uint64_t offset, const std::string& data);
  Answer Truncate(std::string_view path, uint64_t size);
  Answer Rename(std::string_view path, std::string_view to, bool overwrite);
  Answer Delete(std::string_view path, bool recursive);
  Answer Mkdir(std::string_view path) { return Send("POST", path, "?op=mkdir", ""); }
  Answer Stat(std::string_view path) { return Send("GET", path, "?stat", ""); }
  // One page of a listing; after: the previous page's "next".
  Answer List(std::string_view path, bool recursive, std::string_view after);
  // The file's bytes passed to sink as they arrive (never held whole).
  Answer Cat(std::string_view path, std::optional<uint64_t> offset, std::optional<uint64_t> length,
             const HttpClient::Sink& sink);
  Answer Cluster() { return http_.Get("/v1/cluster"); }

  // Uploads in parts (api-v1.md, "Writes of any size"). op: put, append or
  // write (with offset).
  Answer CreateUpload(std::string_view path, std::string_view op, uint64_t offset = 0);
  Answer PutPart(const std::string& id, uint32_t part, const std::string& data);
  Answer GetUpload(const std::string& id) { return http_.Get("/v1/uploads/" + id); }
  Answer ListUploads(std::string_view prefix);
  // parts empty: every part, in order.
  Answer CommitUpload(const std::string& id, const std::vector<uint32_t>& parts);
  Answer AbortUpload(const std::string& id) { return http_.Request("DELETE", "/v1/uploads/" + id); }
  // Bytes [offset, offset + length) of the file at version (412 if it has
  // another), passed to sink as they arrive.
  Answer ReadRange(std::string_view path, uint64_t offset, uint64_t length,
                   const std::string& version, const HttpClient::Sink& sink);
  Answer TakeSnapshot() { return http_.Request("POST", "/v1/admin/snapshots"); }
  Answer Snapshots() { return http_.Get("/v1/admin/snapshots"); }

  // "/v1/fs/<path, percent-encoded>".
  static std::string FsTarget(std::string_view path);
  // path with its leading / (paths on a command line may lack it).
  static std::string Absolute(std::string_view path);

 private:
  Answer Send(const char* method, std::string_view path, const std::string& query,
              const std::string& body) {
    return http_.Request(method, FsTarget(path) + query, body);
  }
  static ClientOptions WithTimeout(ClientOptions o, int timeout_ms) {
    o.timeout_ms = timeout_ms;
    return o;
  }
  HttpClient http_;
};

}  // namespace walfs
