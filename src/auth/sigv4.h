// AWS Signature Version 4, the server's side: is this request signed by
// the holder of this access key's secret? Both listeners verify with it
// (api-v1.md "Authentication and TLS", s3.md "Authentication").
//
// Forms: the Authorization header (`AWS4-HMAC-SHA256 Credential=...,
// SignedHeaders=..., Signature=...`) and the presigned query
// (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
// `X-Amz-SignedHeaders`, `X-Amz-Signature`). The canonical request is S3's:
// the path as sent, decoded once and encoded again (no double encoding, no
// dot-segment removal), the query's pairs encoded and sorted, the signed
// headers' values trimmed with inner runs of spaces made one. Any region
// and service in the credential scope are signed against.
//
// The payload: the header form names its hash in x-amz-content-sha256
// (required for a request with a body, as S3 requires it): a hex SHA-256 the body must match
// (checked by the caller as the body arrives: PayloadCheck), UNSIGNED-PAYLOAD,
// or an aws-chunked body (STREAMING-*, auth/aws_chunked.h). A presigned URL
// signs UNSIGNED-PAYLOAD.
//
// Time: X-Amz-Date (which every SDK sends; a Date header alone is not
// taken) must be within 15 minutes of now; a presigned
// URL is good from its date for X-Amz-Expires seconds (at most 7 days).
//
// Every comparison of a signature is constant-time. No message names a
// secret or the signature that was expected.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/mutex.h"

namespace walfs {

using SigV4Headers = std::map<std::string, std::string, std::less<>>;  // names in lower case

inline constexpr int64_t kSigV4SkewSecondsMax = 15 * 60;
inline constexpr int64_t kSigV4PresignedExpiresMax = 7 * 24 * 3600;
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingSignedTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

enum class SigV4Form { kNone, kHeader, kPresigned };

// Which form a request is signed in, from its Authorization header and its
// query (target is path?query as sent).
SigV4Form DetectSigV4(const SigV4Headers& headers, std::string_view target);

// The parts of a signature, from either form.
struct SigV4Credential {
  std::string access_key;
  std::string date;                         // YYYYMMDD, from the scope
  std::string region;                       // any
  std::string service;                      // any
  std::vector<std::string> signed_headers;  // lower case, as listed
  std::string signature;                    // 64 lower-case hex digits
  std::string scope() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

// Parses `AWS4-HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/aws4_request,
// SignedHeaders=a;b, Signature=HEX`; nullopt (with why) if malformed.
std::optional<SigV4Credential> ParseSigV4Authorization(std::string_view value, std::string* why);

// "20130524T000000Z" -> seconds since the epoch; nullopt if malformed.
std::optional<int64_t> ParseAmzDate(std::string_view s);

// The canonical request (method, canonical path, canonical query without
// X-Amz-Signature, canonical headers, signed headers, payload hash);
// nullopt (with why) if the target is malformed or a signed header is
// missing.
std::optional<std::string> CanonicalRequest(std::string_view method, std::string_view target,
                                            const SigV4Headers& headers,
                                            const std::vector<std::string>& signed_headers,
                                            std::string_view payload_hash, std::string* why);

// HMAC chain: "AWS4"+secret, date, region, service, "aws4_request".
std::string SigV4SigningKey(std::string_view secret, const SigV4Credential& c);

// Signing keys by secret and scope: a key changes once a day, and its four
// HMACs were most of a verification's cost. Bounded: past kEntriesMax it
// starts again empty.
// Thread-safety: thread-safe.
class SigningKeyCache {
 public:
  static constexpr size_t kEntriesMax = 4096;
  std::string Get(std::string_view secret, const SigV4Credential& c);

 private:
  Mutex mu_;
  std::unordered_map<std::string, std::string> keys_ GUARDED_BY(mu_);
};

// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256(canonical request)>".
std::string SigV4StringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view canonical_request);

// Lower-case hex of HMAC-SHA256(key, data).
std::string HexHmac(std::string_view key, std::string_view data);

// How the body must be checked once the signature of the header is good.
struct PayloadCheck {
  enum class Kind {
    kNone,     // UNSIGNED-PAYLOAD, presigned
    kSha256,   // the body's SHA-256 must be sha256
    kChunked,  // aws-chunked: auth/aws_chunked.h decodes and verifies
  } kind = Kind::kNone;
  std::string sha256;  // kSha256: 32 raw bytes
  // kChunked: what the chunk signatures chain from.
  bool chunk_signatures = false;  // STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]
  bool trailer = false;           // *-TRAILER: trailing headers after the last chunk
  // Decoded but not verified: a listener without authentication, where
  // signatures are not checked but the encoding must still come off.
  bool unverified = false;
  std::string signing_key, amz_date, scope, seed_signature;
  std::optional<uint64_t> decoded_length;  // x-amz-decoded-content-length
};

enum class SigV4Error {
  kOk,
  kMalformed,     // not a well-formed signature (missing parts, bad encoding)
  kUnknownKey,    // no principal has this access key
  kBadSignature,  // the signature is not the one the key's secret makes
  kSkewed,        // the date is more than 15 minutes from now
  kExpired,       // a presigned URL past its expiry
};

struct SigV4Verdict {
  SigV4Error error = SigV4Error::kOk;
  std::string message;  // why, when not ok; never a secret
  std::string access_key;
  PayloadCheck payload;
};

// The secret of an access key, or nullopt if no principal has it.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key)>;

// The client's side, for walfs's own tools (the load generator): the
// headers that sign a request in the header form (host,
// x-amz-content-sha256, x-amz-date signed), at now. payload_hash: hex
// SHA-256 of the body, or UNSIGNED-PAYLOAD.
SigV4Headers SignSigV4(std::string_view method, std::string_view target, std::string_view host,
                       std::string_view payload_hash, const SigV4Credential& scope,
                       std::string_view secret, int64_t now, SigningKeyCache* keys = nullptr);

// Verifies the request's signature (either form) at now (seconds since the
// epoch). REQUIRES: DetectSigV4(headers, target) != kNone.
// keys: a cache of signing keys (none: each computed).
SigV4Verdict VerifySigV4(std::string_view method, std::string_view target,
                         const SigV4Headers& headers, const SecretLookup& secret_of, int64_t now,
                         SigningKeyCache* keys = nullptr);

}  // namespace walfs
