#include "codec/file_meta.h"

#include <algorithm>

namespace walfs {
namespace {

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool ValidName(std::string_view n) {
  if (std::find(kStoredHeaders.begin(), kStoredHeaders.end(), n) != kStoredHeaders.end()) {
    return true;
  }
  if (n.size() <= kUserMetaPrefix.size() ||
      n.substr(0, kUserMetaPrefix.size()) != kUserMetaPrefix) {
    return false;
  }
  // An HTTP token in lower case.
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool ValidValue(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);  // UTF-8 is as sent
  });
}

}  // namespace

std::optional<std::string_view> FileMeta::Get(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return std::string_view(v);
  }
  return std::nullopt;
}

void FileMeta::Set(const std::string& name, const std::string& value) {
  auto it = std::lower_bound(headers.begin(), headers.end(), name,
                             [](const auto& h, const std::string& n) { return h.first < n; });
  if (it != headers.end() && it->first == name) {
    it->second = value;
  } else {
    headers.emplace(it, name, value);
  }
}

void FileMeta::DropContentDigests() {
  etag.clear();
  std::erase_if(headers, [](const auto& h) {
    return h.first.compare(0, kChecksumPrefix.size(), kChecksumPrefix) == 0;
  });
}

void EncodeFileMeta(std::string* out, const FileMeta& m) {
  PutVarint(out, m.headers.size());
  for (const auto& [n, v] : m.headers) {
    PutBytes(out, n);
    PutBytes(out, v);
  }
  PutBytes(out, m.etag);
}

std::string EncodeFileMeta(const FileMeta& m) {
  std::string out;
  EncodeFileMeta(&out, m);
  return out;
}

FileMeta DecodeFileMeta(Reader& r) {
  FileMeta m;
  uint64_t n = r.Varint();
  if (n > kMaxFileMetaHeaders) {
    r.Raw(r.remaining() + 1);  // not ok
    return m;
  }
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string name(r.Bytes(kMaxFileMetaBytes));
    std::string value(r.Bytes(kMaxFileMetaBytes));
    m.headers.emplace_back(std::move(name), std::move(value));
  }
  m.etag = std::string(r.Bytes(64));
  return m;
}

std::optional<FileMeta> DecodeFileMeta(std::string_view v) {
  Reader r(v);
  FileMeta m = DecodeFileMeta(r);
  if (!r.ok() || !r.done()) return std::nullopt;
  return m;
}

bool ValidStoredEtag(std::string_view s) {
  if (s.size() < 32 || !std::all_of(s.begin(), s.begin() + 32, IsHex)) return false;
  if (s.size() == 32) return true;
  std::string_view n = s.substr(33);
  if (s[32] != '-' || n.empty() || n.size() > 5 || n[0] == '0') return false;
  if (!std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  return std::stoul(std::string(n)) <= 10000;
}

Status CheckFileMeta(const FileMeta& m) {
  if (m.headers.size() > kMaxFileMetaHeaders) {
    return Status(Code::kBadRequest,
                  "more than " + std::to_string(kMaxFileMetaHeaders) + " metadata headers");
  }
  size_t bytes = 0;
  for (size_t i = 0; i < m.headers.size(); ++i) {
    const auto& [n, v] = m.headers[i];
    if (!ValidName(n)) {
      return Status(Code::kBadRequest, "'" + n + "' is not a metadata header that is stored");
    }
    if (i > 0 && m.headers[i - 1].first >= n) {
      return Status(Code::kBadRequest, "metadata headers must be sorted by name, each once");
    }
    if (!ValidValue(v)) {
      return Status(Code::kBadRequest, "the value of metadata header '" + n +
                                           "' has a character that is not printable ASCII");
    }
    bytes += n.size() + v.size();
  }
  if (bytes > kMaxFileMetaBytes) {
    return Status(Code::kBadRequest,
                  "the metadata headers are over " + std::to_string(kMaxFileMetaBytes) + " bytes");
  }
  if (!m.etag.empty() && !ValidStoredEtag(m.etag)) {
    return Status(Code::kBadRequest, "'" + m.etag + "' is not an MD5 ETag");
  }
  return Status::Ok();
}

}  // namespace walfs
