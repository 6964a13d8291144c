#include "client/walfs_client.h"

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

}  // namespace walfs
