#include "auth/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <new>
#include <stdexcept>

namespace walfs {

namespace {

// Fetched once: OpenSSL 3 looks an algorithm up on every call that names
// it, which cost more than the digest of a small input (0.96 us against
// 0.32 us for a SHA-256 of 32 bytes; 3.3 against 2.3 us for an HMAC).
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

const EVP_MD* Md5Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "MD5", nullptr);
  return md;
}

const EVP_MD* Sha1Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  return md;
}

const EVP_MD* MdOf(Hasher::Algorithm a) {
  switch (a) {
    case Hasher::Algorithm::kMd5:
      return Md5Md();
    case Hasher::Algorithm::kSha1:
      return Sha1Md();
    case Hasher::Algorithm::kSha256:
      break;
  }
  return Sha256Md();
}

EVP_MAC* HmacMac() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

}  // namespace

std::string Sha256(std::string_view data) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), d, &n, Sha256Md(), nullptr);
  return std::string(reinterpret_cast<char*>(d), n);
}

std::string Md5(std::string_view data) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), d, &n, Md5Md(), nullptr);
  return std::string(reinterpret_cast<char*>(d), n);
}

std::string Sha1(std::string_view data) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), d, &n, Sha1Md(), nullptr);
  return std::string(reinterpret_cast<char*>(d), n);
}

Hasher::Hasher(Algorithm a) : ctx_(EVP_MD_CTX_new()), md_(MdOf(a)) {
  if (ctx_ == nullptr) throw std::bad_alloc();
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), static_cast<const EVP_MD*>(md_), nullptr);
}

Hasher::~Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Hasher::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

std::string Hasher::Final() {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  auto* ctx = static_cast<EVP_MD_CTX*>(ctx_);
  EVP_DigestFinal_ex(ctx, d, &n);
  EVP_DigestInit_ex(ctx, static_cast<const EVP_MD*>(md_), nullptr);
  return std::string(reinterpret_cast<char*>(d), n);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  // One context per thread, its digest set once: each call then only keys
  // it (no lookup of SHA-256 by name, no allocation).
  struct Context {
    Context() : ctx(EVP_MAC_CTX_new(HmacMac())) {
      if (ctx == nullptr) throw std::bad_alloc();
      char digest_name[] = "SHA256";
      OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
          OSSL_PARAM_construct_end()};
      if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
        throw std::runtime_error("OpenSSL could not set up HMAC-SHA256");
      }
    }
    ~Context() { EVP_MAC_CTX_free(ctx); }
    EVP_MAC_CTX* ctx;
  };
  thread_local Context c;
  unsigned char d[EVP_MAX_MD_SIZE];
  size_t n = 0;
  // A zero-length key would keep the previous one: key it with one byte
  // of the same HMAC value instead (HMAC pads a key with zeros).
  static const unsigned char kZero = 0;
  const auto* k = key.empty() ? &kZero : reinterpret_cast<const unsigned char*>(key.data());
  bool ok = EVP_MAC_init(c.ctx, k, key.empty() ? 1 : key.size(), nullptr) == 1 &&
            EVP_MAC_update(c.ctx, reinterpret_cast<const unsigned char*>(data.data()),
                           data.size()) == 1 &&
            EVP_MAC_final(c.ctx, d, &n, sizeof d) == 1;
  if (!ok) throw std::runtime_error("OpenSSL could not compute an HMAC");
  return std::string(reinterpret_cast<char*>(d), n);
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("OpenSSL could not produce random bytes");
  }
  return out;
}

}  // namespace walfs
