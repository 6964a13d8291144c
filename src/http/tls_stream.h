// A session over TLS: the stream type (Beast's ssl_stream: Asio's, with
// its writes gathered into one buffer first; Asio's alone sends each
// buffer of a sequence as a TLS record of its own, so an answer's header
// and body took two records and two system calls) and how a session closes
// it (StreamOps, http/session.h).
#pragma once

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "http/session.h"

namespace walfs {

using TlsStream = boost::beast::ssl_stream<boost::asio::ip::tcp::socket>;

template <>
struct StreamOps<TlsStream> {
  static void Close(TlsStream& s) {
    boost::system::error_code ec;
    boost::beast::get_lowest_layer(s).close(ec);
  }
  // The TCP sending side only: a close_notify would need a round trip the
  // answer does not wait for (every answer carries its length).
  static void ShutdownSend(TlsStream& s) {
    boost::system::error_code ec;
    boost::beast::get_lowest_layer(s).shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  }
  static void LimitSendBuffer(TlsStream& s, int bytes) {
    StreamOps<boost::asio::ip::tcp::socket>::LimitSendBuffer(boost::beast::get_lowest_layer(s),
                                                             bytes);
  }
};

}  // namespace walfs
