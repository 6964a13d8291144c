// The listener's TLS context (api-v1.md, "Authentication and TLS"): built
// from PEM files (the certificate chain and its key), TLS 1.2 and 1.3 only,
// TLS 1.2 limited to ECDHE key exchange with AEAD ciphers (Mozilla's
// "intermediate" list); and the holder that swaps in a new context on
// SIGHUP (new connections get it, open ones keep theirs). How a session
// runs over TLS is in http/tls_stream.h.
// Thread-safety: TlsContexts is thread-safe; a context, once built, is
// shared read-only.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "core/status.h"
#include "runtime/mutex.h"

namespace walfs {

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
