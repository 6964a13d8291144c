// AwsChunkedDecoder: the body of an `aws-chunked` upload (SigV4 streaming,
// x-amz-content-sha256 STREAMING-*), decoded as it arrives, every chunk's
// signature verified against the chain that starts at the request's seed
// signature:
//
//   <hex size>;chunk-signature=<sig>\r\n<data>\r\n ... 0;chunk-signature=<sig>\r\n\r\n
//
// A chunk's signature is HMAC(signing key, "AWS4-HMAC-SHA256-PAYLOAD\n"
// date "\n" scope "\n" previous signature "\n" sha256("") "\n"
// sha256(data)). The trailer variants end with trailing headers
// ("x-amz-checksum-crc32:...") after the zero-size chunk; with signatures,
// a last x-amz-trailer-signature signs them. STREAMING-UNSIGNED-PAYLOAD-
// TRAILER chunks carry no signatures (`<hex size>\r\n<data>\r\n`).
//
// Data is handed out as it arrives, before its chunk's signature is
// checked (at the chunk's end): the caller must not make it visible until
// Finish() says the whole body was good. Limits: a chunk's header line
// kChunkLineBytesMax, the trailers kTrailerBytesMax.
// Thread-safety: one instance per body, one caller.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "auth/crypto.h"
#include "auth/sigv4.h"
#include "core/status.h"

namespace walfs {

inline constexpr size_t kChunkLineBytesMax = 4096;
inline constexpr size_t kTrailerBytesMax = 16 << 10;

class AwsChunkedDecoder {
 public:
  // REQUIRES: check.kind == PayloadCheck::Kind::kChunked.
  explicit AwsChunkedDecoder(PayloadCheck check);

  // Decodes in, appending the payload's bytes to out. kUnauthorized for a
  // chunk whose signature is wrong; kBadRequest for a malformed body. After
  // an error every call fails again.
  Status Feed(std::string_view in, std::string* out);
  // Ok once the last chunk (and trailers) came and every signature and the
  // decoded length were right.
  Status Finish() const;
  // The trailing headers (names in lower case), once Finish is ok.
  const SigV4Headers& trailers() const { return trailers_; }
  uint64_t decoded_bytes() const { return decoded_; }

 private:
  enum class State { kSizeLine, kData, kDataEnd, kTrailer, kDone, kFailed };
  Status Fail(Code code, std::string why);
  Status OnSizeLine(std::string_view line);
  Status EndChunk();
  Status OnTrailerLine(std::string_view line);
  std::string ChunkSignature(std::string_view data_sha256) const;

  PayloadCheck check_;
  State state_ = State::kSizeLine;
  std::string line_;        // a header, or trailer, line so far
  uint64_t remaining_ = 0;  // of the current chunk's data
  bool last_ = false;       // the current chunk is the zero-size one
  std::string claimed_;     // the current chunk's signature, as sent
  std::string previous_;    // the signature the next one chains from
  Sha256Hasher chunk_hash_;
  std::string trailer_text_;  // "name:value\n" for each trailer, for its signature
  std::string trailer_signature_;
  size_t trailer_bytes_ = 0;
  SigV4Headers trailers_;
  uint64_t decoded_ = 0;
  Status failure_;
};

}  // namespace walfs
