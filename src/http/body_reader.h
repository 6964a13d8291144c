// BodyReader: a request body read piece by piece, for bodies that are
// streamed into an upload rather than held whole (api-v1.md, "Writes of any
// size"). The session implements it over its connection, with the
// connection's limits and timeouts; tests implement it over a string.
// Thread-safety: one coroutine reads it.
#pragma once

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <cstddef>

#include "core/status.h"
#include "http/request.h"

namespace walfs {

class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Reads up to max bytes into out: how many were read, 0 once the body has
  // ended. kBadRequest when the body is cut short or malformed (its
  // chunked encoding), kTooLarge past its limit.
  virtual boost::asio::awaitable<Result<size_t>> Read(char* out, size_t max) = 0;
  // Fills out with up to max bytes (fewer only at the body's end).
  boost::asio::awaitable<Result<size_t>> ReadFull(char* out, size_t max) {
    size_t got = 0;
    while (got < max) {
      auto n = co_await Read(out + got, max - got);
      if (!n.ok()) co_return n.status();
      if (*n == 0) break;
      got += *n;
    }
    co_return got;
  }
  // Headers that came after the body (an aws-chunked body's trailers), once
  // Read has answered 0; null if none can come.
  virtual const HeaderMap* trailers() const { return nullptr; }
};

}  // namespace walfs
