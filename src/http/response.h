// HttpResponse: what a route answers, before the connection writes it. A
// file body is a FileStream (a store snapshot and a byte range) that the
// connection streams chunk by chunk with back-pressure from the socket.
// Thread-safety: values.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "schema/fs_view.h"

namespace walfs {

class LiveBody;  // http/live_body.h

struct FileStream {
  std::shared_ptr<const StoreReader> snapshot;
  Node node;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint32_t block_bytes = 0;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set for file bodies; the session streams it (body stays empty).
  std::optional<FileStream> stream;
  // For HEAD: the Content-Length the GET would have.
  std::optional<uint64_t> head_length;
  // Set for bodies made as they go (live_body.h); the connection closes
  // after them.
  std::shared_ptr<LiveBody> live;
};

}  // namespace walfs
