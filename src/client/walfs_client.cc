#include "client/walfs_client.h"

#include <nlohmann/json.hpp>

namespace walfs {

std::string WalfsClient::FsTarget(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return "/v1/fs/" + EncodePath(path);
}

std::string WalfsClient::Absolute(std::string_view path) {
  return !path.empty() && path.front() == '/' ? std::string(path) : "/" + std::string(path);
}

WalfsClient::Answer WalfsClient::Write(std::string_view path, uint64_t offset,
                                       const std::string& data) {
  return Send("POST", path, "?op=write&offset=" + std::to_string(offset), data);
}

WalfsClient::Answer WalfsClient::Truncate(std::string_view path, uint64_t size) {
  return Send("POST", path, "?op=truncate&size=" + std::to_string(size), "");
}

WalfsClient::Answer WalfsClient::Rename(std::string_view path, std::string_view to,
                                        bool overwrite) {
  std::string q = "?op=rename&to=" + EncodeQueryValue(Absolute(to));
  if (overwrite) q += "&overwrite=true";
  return Send("POST", path, q, "");
}

WalfsClient::Answer WalfsClient::Delete(std::string_view path, bool recursive) {
  return Send("DELETE", path, recursive ? "?recursive=true" : "", "");
}

WalfsClient::Answer WalfsClient::List(std::string_view path, bool recursive,
                                      std::string_view after) {
  std::string q = "?list";
  if (recursive) q += "&recursive";
  if (!after.empty()) q += "&after=" + EncodeQueryValue(after);
  return http_.Get(FsTarget(path) + q);
}

WalfsClient::Answer WalfsClient::Cat(std::string_view path, std::optional<uint64_t> offset,
                                     std::optional<uint64_t> length, const HttpClient::Sink& sink) {
  std::string q;
  if (offset) q += "&offset=" + std::to_string(*offset);
  if (length) q += "&length=" + std::to_string(*length);
  if (!q.empty()) q[0] = '?';
  return http_.GetStreaming(FsTarget(path) + q, sink);
}

WalfsClient::Answer WalfsClient::CreateUpload(std::string_view path, std::string_view op,
                                              uint64_t offset) {
  nlohmann::json body = {{"path", Absolute(path)}, {"op", std::string(op)}};
  if (op == "write") body["offset"] = offset;
  return http_.Request("POST", "/v1/uploads", body.dump());
}

WalfsClient::Answer WalfsClient::PutPart(const std::string& id, uint32_t part,
                                         const std::string& data) {
  return http_.Request("PUT", "/v1/uploads/" + id + "/parts/" + std::to_string(part), data);
}

WalfsClient::Answer WalfsClient::ListUploads(std::string_view prefix) {
  return http_.Get("/v1/uploads?path=" + EncodeQueryValue(Absolute(prefix)));
}

WalfsClient::Answer WalfsClient::CommitUpload(const std::string& id,
                                              const std::vector<uint32_t>& parts) {
  std::string body;
  if (!parts.empty()) {
    body = "{\"parts\":[";
    for (size_t i = 0; i < parts.size(); ++i) body += (i ? "," : "") + std::to_string(parts[i]);
    body += "]}";
  }
  return http_.Request("POST", "/v1/uploads/" + id + "/commit", body);
}

WalfsClient::Answer WalfsClient::ReadRange(std::string_view path, uint64_t offset, uint64_t length,
                                           const std::string& version,
                                           const HttpClient::Sink& sink) {
  return http_.GetStreaming(
      FsTarget(path) + "?offset=" + std::to_string(offset) + "&length=" + std::to_string(length),
      sink, {{"If-Match", "\"" + version + "\""}});
}

}  // namespace walfs
