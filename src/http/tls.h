// TLS on the listener (api-v1.md, "Authentication and TLS"): a server
// context from PEM files (the certificate chain and its key), TLS 1.2 and
// 1.3 only, TLS 1.2 limited to ECDHE key exchange with AEAD ciphers
// (Mozilla's "intermediate" list); how a session closes a TLS stream; and
// the holder that swaps in a new context on SIGHUP (new connections get it,
// open ones keep theirs).
// Thread-safety: TlsContexts is thread-safe; a context, once built, is
// shared read-only.
#pragma once

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/session.h"
#include "runtime/mutex.h"

namespace walfs {

// Beast's ssl_stream: Asio's, with its writes gathered into one buffer
// first. Asio's alone sends each buffer of a sequence as a TLS record of its
// own (an answer's header and body: two records, two system calls).
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
};

// A server context from cert (PEM chain) and key (PEM); the error names the
// file and what is wrong.
Result<std::shared_ptr<boost::asio::ssl::context>> MakeServerTlsContext(const std::string& cert,
                                                                        const std::string& key);

class TlsContexts {
 public:
  TlsContexts(std::string cert, std::string key) : cert_(std::move(cert)), key_(std::move(key)) {}
  // Builds the context from the files again; on a mistake keeps the one before.
  Status Load();
  std::shared_ptr<boost::asio::ssl::context> current() const;

 private:
  const std::string cert_, key_;
  mutable Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_ GUARDED_BY(mu_);
};

}  // namespace walfs
