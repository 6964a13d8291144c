#include "s3/checksum.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "http/util.h"

namespace walfs {
namespace {

// CRC-32C, reflected polynomial 0x82F63B78 (RFC 3720 appendix B.4), a byte
// at a time from a table built once.
const std::array<uint32_t, 256>& Crc32cTable() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

uint32_t Crc32c(uint32_t crc, std::string_view data) {
  const auto& t = Crc32cTable();
  crc = ~crc;
  for (unsigned char b : data) crc = t[(crc ^ b) & 0xff] ^ (crc >> 8);
  return ~crc;
}

std::string BigEndian32(uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
}

size_t DigestBytes(ChecksumKind k) {
  switch (k) {
    case ChecksumKind::kCrc32:
    case ChecksumKind::kCrc32c:
      return 4;
    case ChecksumKind::kSha1:
      return 20;
    case ChecksumKind::kSha256:
      break;
  }
  return 32;
}

}  // namespace

std::variant<std::optional<RequestedChecksum>, S3Error> ChecksumOf(const HeaderMap& headers) {
  constexpr std::pair<std::string_view, ChecksumKind> kKinds[] = {
      {"x-amz-checksum-crc32", ChecksumKind::kCrc32},
      {"x-amz-checksum-crc32c", ChecksumKind::kCrc32c},
      {"x-amz-checksum-sha1", ChecksumKind::kSha1},
      {"x-amz-checksum-sha256", ChecksumKind::kSha256}};
  std::optional<RequestedChecksum> found;
  for (const auto& [name, kind] : kKinds) {
    auto it = headers.find(name);
    if (it == headers.end()) continue;
    if (found) {
      return S3Error{"InvalidRequest", "Expecting a single x-amz-checksum- header"};
    }
    if (!ValidChecksumValue(kind, it->second)) {
      return S3Error{"InvalidRequest", "Value for " + std::string(name) + " header is invalid."};
    }
    found = RequestedChecksum{std::string(name), kind, it->second, false};
  }
  auto trailer = headers.find("x-amz-trailer");
  if (found || trailer == headers.end()) return found;
  // x-amz-trailer: names, comma-separated, of headers sent after the body.
  for (std::string_view n : CommaList(trailer->second)) {
    std::string lower(n);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto kind = std::find_if(std::begin(kKinds), std::end(kKinds),
                             [&](const auto& k) { return k.first == lower; });
    if (kind == std::end(kKinds)) {
      return S3Error{"InvalidRequest",
                     "x-amz-trailer names " + lower + ", which is not an x-amz-checksum-* header"};
    }
    if (found) return S3Error{"InvalidRequest", "Expecting a single x-amz-checksum- header"};
    found = RequestedChecksum{lower, kind->second, "", true};
  }
  return found;
}

bool ValidChecksumValue(ChecksumKind kind, std::string_view value) {
  auto raw = Base64Decode(value);
  return raw && raw->size() == DigestBytes(kind);
}

Checksum::Checksum(ChecksumKind kind) : kind_(kind) {
  if (kind == ChecksumKind::kSha1) hasher_ = std::make_unique<Hasher>(Hasher::Algorithm::kSha1);
  if (kind == ChecksumKind::kSha256) hasher_ = std::make_unique<Hasher>();
}

void Checksum::Update(std::string_view data) {
  switch (kind_) {
    case ChecksumKind::kCrc32:
      crc_ = static_cast<uint32_t>(
          crc32_z(crc_, reinterpret_cast<const Bytef*>(data.data()), data.size()));
      break;
    case ChecksumKind::kCrc32c:
      crc_ = Crc32c(crc_, data);
      break;
    default:
      hasher_->Update(data);
  }
}

std::string Checksum::Base64() {
  if (hasher_) return Base64Encode(hasher_->Final());
  return Base64Encode(BigEndian32(crc_));
}

}  // namespace walfs
