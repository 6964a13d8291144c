#include "http/verified_body.h"

#include <algorithm>
#include <cstring>

namespace walfs {
namespace {

constexpr size_t kRawReadBytes = 256 << 10;

Status HashMismatch() {
  return Status(Code::kUnauthorized,
                "the body does not match its signed hash (x-amz-content-sha256); nothing of it "
                "was written");
}

}  // namespace

Status VerifyWholeBody(const PayloadCheck& check, std::string* body, HeaderMap* trailers) {
  switch (check.kind) {
    case PayloadCheck::Kind::kNone:
      return Status::Ok();
    case PayloadCheck::Kind::kSha256:
      return ConstantTimeEqual(Sha256(*body), check.sha256) ? Status::Ok() : HashMismatch();
    case PayloadCheck::Kind::kChunked: {
      AwsChunkedDecoder d(check);
      std::string out;
      out.reserve(
          static_cast<size_t>(std::min<uint64_t>(check.decoded_length.value_or(0), body->size())));
      WALFS_RETURN_IF_ERROR(d.Feed(*body, &out));
      WALFS_RETURN_IF_ERROR(d.Finish());
      *body = std::move(out);
      *trailers = d.trailers();
      return Status::Ok();
    }
  }
  return Status::Ok();
}

VerifiedBodyReader::VerifiedBodyReader(BodyReader& inner, const PayloadCheck& check)
    : inner_(inner), check_(check) {
  if (check_.kind == PayloadCheck::Kind::kChunked) chunked_.emplace(check_);
}

boost::asio::awaitable<Result<size_t>> VerifiedBodyReader::Read(char* out, size_t max) {
  switch (check_.kind) {
    case PayloadCheck::Kind::kNone:
      co_return co_await inner_.Read(out, max);
    case PayloadCheck::Kind::kSha256: {
      auto n = co_await inner_.Read(out, max);
      if (!n.ok()) co_return n;
      if (*n > 0) {
        hash_.Update(std::string_view(out, *n));
      } else if (!ConstantTimeEqual(hash_.Final(), check_.sha256)) {
        co_return HashMismatch();
      }
      co_return n;
    }
    case PayloadCheck::Kind::kChunked:
      break;
  }
  while (decoded_at_ == decoded_.size()) {
    decoded_.clear();
    decoded_at_ = 0;
    raw_.resize(kRawReadBytes);
    auto n = co_await inner_.Read(raw_.data(), raw_.size());
    if (!n.ok()) co_return n;
    if (*n == 0) {
      Status done = chunked_->Finish();
      if (!done.ok()) co_return done;
      ended_ = true;
      co_return size_t{0};
    }
    Status st = chunked_->Feed(std::string_view(raw_.data(), *n), &decoded_);
    if (!st.ok()) co_return st;
  }
  size_t k = std::min(max, decoded_.size() - decoded_at_);
  std::memcpy(out, decoded_.data() + decoded_at_, k);
  decoded_at_ += k;
  co_return k;
}

const HeaderMap* VerifiedBodyReader::trailers() const {
  return ended_ ? &chunked_->trailers() : inner_.trailers();
}

}  // namespace walfs
