#include "auth/aws_chunked.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/hash.h"

namespace walfs {
namespace {

constexpr std::string_view kSignatureExt = ";chunk-signature=";
// Hex of SHA-256 of nothing: a chunk's string to sign carries it.
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace

AwsChunkedDecoder::AwsChunkedDecoder(PayloadCheck check)
    : check_(std::move(check)), previous_(check_.seed_signature) {}

Status AwsChunkedDecoder::Fail(Code code, std::string why) {
  state_ = State::kFailed;
  failure_ = Status(code, "aws-chunked body: " + std::move(why));
  return failure_;
}

std::string AwsChunkedDecoder::ChunkSignature(std::string_view data_sha256) const {
  std::string s;
  s.reserve(256);
  s.append("AWS4-HMAC-SHA256-PAYLOAD\n");
  s.append(check_.amz_date).push_back('\n');
  s.append(check_.scope).push_back('\n');
  s.append(previous_).push_back('\n');
  s.append(kEmptySha256).push_back('\n');
  s.append(ToHex(data_sha256));
  return HexHmac(check_.signing_key, s);
}

Status AwsChunkedDecoder::OnSizeLine(std::string_view line) {
  std::string_view size = line.substr(0, line.find(';'));
  std::string_view ext = line.substr(size.size());
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), n, 16);
  if (size.empty() || size.size() > 16 || ec != std::errc() || p != size.data() + size.size()) {
    return Fail(Code::kBadRequest, "a chunk's size is not hex digits");
  }
  if (check_.chunk_signatures) {
    if (ext.substr(0, kSignatureExt.size()) != kSignatureExt ||
        ext.size() != kSignatureExt.size() + 64) {
      return Fail(Code::kBadRequest, "a chunk lacks its chunk-signature");
    }
    claimed_ = ext.substr(kSignatureExt.size());
  } else if (!ext.empty()) {
    return Fail(Code::kBadRequest, "an unsigned chunk carries an extension");
  }
  remaining_ = n;
  last_ = n == 0;
  state_ = State::kData;
  if (last_) return EndChunk();
  return Status::Ok();
}

Status AwsChunkedDecoder::EndChunk() {
  if (check_.chunk_signatures && !check_.unverified) {
    std::string expected = ChunkSignature(chunk_hash_.Final());
    if (!ConstantTimeEqual(expected, claimed_)) {
      return Fail(Code::kUnauthorized, "a chunk's signature does not match its data");
    }
    previous_ = std::move(expected);
  }
  if (last_) {
    state_ = check_.trailer ? State::kTrailer : State::kDataEnd;
  } else {
    state_ = State::kDataEnd;
  }
  return Status::Ok();
}

Status AwsChunkedDecoder::OnTrailerLine(std::string_view line) {
  if (line.empty()) {
    if (check_.chunk_signatures && !check_.unverified) {
      std::string s;
      s.append("AWS4-HMAC-SHA256-TRAILER\n");
      s.append(check_.amz_date).push_back('\n');
      s.append(check_.scope).push_back('\n');
      s.append(previous_).push_back('\n');
      s.append(ToHex(Sha256(trailer_text_)));
      if (trailer_signature_.empty() ||
          !ConstantTimeEqual(HexHmac(check_.signing_key, s), trailer_signature_)) {
        return Fail(Code::kUnauthorized, "the trailer's signature does not match it");
      }
    }
    state_ = State::kDone;
    return Status::Ok();
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Fail(Code::kBadRequest, "a trailer line is not NAME:VALUE");
  }
  std::string name(line.substr(0, colon));
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (name == "x-amz-trailer-signature") {
    trailer_signature_ = value;
    return Status::Ok();
  }
  if (!trailer_signature_.empty()) {
    return Fail(Code::kBadRequest, "a trailer follows the trailer's signature");
  }
  trailer_text_.append(name).push_back(':');
  trailer_text_.append(value).push_back('\n');
  trailers_[name] = std::string(value);
  return Status::Ok();
}

Status AwsChunkedDecoder::Feed(std::string_view in, std::string* out) {
  while (!in.empty()) {
    switch (state_) {
      case State::kFailed:
        return failure_;
      case State::kDone:
        return Fail(Code::kBadRequest, "bytes follow the last chunk");
      case State::kData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size()));
        out->append(in.substr(0, n));
        if (check_.chunk_signatures && !check_.unverified) chunk_hash_.Update(in.substr(0, n));
        in.remove_prefix(n);
        remaining_ -= n;
        decoded_ += n;
        if (remaining_ == 0) WALFS_RETURN_IF_ERROR(EndChunk());
        break;
      }
      case State::kSizeLine:
      case State::kDataEnd:
      case State::kTrailer: {
        size_t nl = in.find('\n');
        size_t take = nl == std::string_view::npos ? in.size() : nl + 1;
        size_t limit = state_ == State::kTrailer ? kTrailerBytesMax : kChunkLineBytesMax;
        if (line_.size() + take > limit || trailer_bytes_ + take > kTrailerBytesMax) {
          return Fail(Code::kBadRequest, state_ == State::kTrailer
                                             ? "the trailers are over 16 KiB"
                                             : "a chunk's header line is over 4096 bytes");
        }
        line_.append(in.substr(0, take));
        in.remove_prefix(take);
        if (state_ == State::kTrailer) trailer_bytes_ += take;
        if (nl == std::string_view::npos) break;
        if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
          return Fail(Code::kBadRequest, "a line does not end with CRLF");
        }
        std::string line = line_.substr(0, line_.size() - 2);
        line_.clear();
        if (state_ == State::kSizeLine) {
          WALFS_RETURN_IF_ERROR(OnSizeLine(line));
        } else if (state_ == State::kDataEnd) {
          if (!line.empty())
            return Fail(Code::kBadRequest, "a chunk's data is longer than its size");
          state_ = last_ ? State::kDone : State::kSizeLine;
        } else {
          WALFS_RETURN_IF_ERROR(OnTrailerLine(line));
        }
        break;
      }
    }
  }
  return state_ == State::kFailed ? failure_ : Status::Ok();
}

Status AwsChunkedDecoder::Finish() const {
  if (state_ == State::kFailed) return failure_;
  if (state_ != State::kDone) {
    return Status(Code::kBadRequest, "aws-chunked body: cut short before its last chunk");
  }
  if (check_.decoded_length && *check_.decoded_length != decoded_) {
    return Status(Code::kBadRequest, "aws-chunked body: " + std::to_string(decoded_) +
                                         " bytes, but x-amz-decoded-content-length says " +
                                         std::to_string(*check_.decoded_length));
  }
  return Status::Ok();
}

}  // namespace walfs
