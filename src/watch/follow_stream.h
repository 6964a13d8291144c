// FollowStream: the body of GET /v1/fs/{file}?follow&offset=N, like
// `tail -f`: the file's bytes from N, then the bytes appended to it as
// they are applied here. It ends when the file is deleted, renamed away
// (another file at its path is another file) or truncated below what was
// sent. One chunk in memory at most; caught up, it waits for the next
// applied entry.
// Thread-safety: one session's coroutine.
#pragma once

#include <string>

#include "http/live_body.h"
#include "node/node_port.h"

namespace walfs {

class FollowStream final : public LiveBody {
 public:
  // ino: the file's inode when the follow began; offset: where it starts.
  FollowStream(NodePort* node, std::string path, uint64_t ino, uint64_t offset,
               size_t chunk_bytes = 256 << 10);
  boost::asio::awaitable<std::optional<std::string>> Next() override;

 private:
  NodePort* node_;
  std::string path_;
  uint64_t ino_, sent_;
  size_t chunk_bytes_;
};

}  // namespace walfs
