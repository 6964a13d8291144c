#include "http/tls_context.h"

#include <openssl/ssl.h>

namespace walfs {
namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2's suites: forward secrecy and AEAD only. TLS 1.3's are OpenSSL's
// defaults, all of them modern.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

}  // namespace

Result<std::shared_ptr<ssl::context>> MakeServerTlsContext(const std::string& cert,
                                                           const std::string& key) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return Status(Code::kInternal, "OpenSSL refused the TLS 1.2 cipher list");
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert, ec);
  if (ec) {
    return Status(
        Code::kBadRequest,
        "--tls-cert " + cert + ": not a readable PEM certificate chain (" + ec.message() + ")");
  }
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) {
    return Status(Code::kBadRequest,
                  "--tls-key " + key + ": not a readable PEM private key (" + ec.message() + ")");
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Status(Code::kBadRequest,
                  "--tls-key " + key + " is not the key of the certificate in " + cert);
  }
  return ctx;
}

Status TlsContexts::Load() {
  auto ctx = MakeServerTlsContext(cert_, key_);
  if (!ctx.ok()) return ctx.status();
  MutexLock lock(&mu_);
  current_ = std::move(ctx).value();
  return Status::Ok();
}

std::shared_ptr<ssl::context> TlsContexts::current() const {
  MutexLock lock(&mu_);
  return current_;
}

}  // namespace walfs
