// LiveBody: a response body made as it goes (a watch's events, a followed
// file's appends). The session sends it with chunked transfer encoding,
// one Next() at a time, until Next says it ended or the client goes: the
// connection's I/O timeout applies to each write, not to the waits inside
// Next, so a client that stops reading is cut off and holds at most one
// chunk in this process.
// Thread-safety: used by one session's coroutine.
#pragma once

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

namespace walfs {

class LiveBody {
 public:
  virtual ~LiveBody() = default;
  // The next bytes to send; nullopt: the body ended.
  virtual boost::asio::awaitable<std::optional<std::string>> Next() = 0;
};

}  // namespace walfs
