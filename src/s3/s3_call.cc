#include "s3/s3_call.h"

#include <strings.h>

#include <algorithm>
#include <atomic>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "auth/crypto.h"
#include "core/hash.h"
#include "http/util.h"

namespace walfs {

std::string NewRequestId() {
  static const uint64_t prefix = [] {
    std::string r = RandomBytes(4);
    uint64_t v = 0;
    for (unsigned char ch : r) v = v << 8 | ch;
    return v << 32;
  }();
  static std::atomic<uint32_t> counter{0};
  char id[17];
  std::snprintf(id, sizeof id, "%016llX",
                static_cast<unsigned long long>(prefix | counter.fetch_add(1)));
  return id;
}

S3Api::Call S3Api::Call::Start(const HttpRequest& req, const ServerOptions& opts) {
  Call c;
  c.request_id = NewRequestId();
  c.head = req.method == "HEAD";
  c.target_path = req.target.substr(0, req.target.find('?'));
  auto p = ParseS3Request(req, opts.s3_domain);
  if (auto* e = std::get_if<S3Error>(&p)) {
    c.error = std::move(*e);
  } else {
    c.parsed = std::get<S3Request>(std::move(p));
  }
  return c;
}

std::string QuoteEtags(std::string_view value) {
  std::string out;
  for (std::string_view item : CommaList(value)) {
    if (!out.empty()) out += ", ";
    bool quoted = item.size() >= 2 && item.back() == '"' &&
                  (item.front() == '"' || item.substr(0, 3) == "W/\"");
    if (item == "*" || quoted) {
      out += item;
    } else {
      out += "\"" + std::string(item) + "\"";
    }
  }
  return out;
}

HttpResponse XmlAnswer(std::string doc) {
  HttpResponse r;
  r.body = std::move(doc);
  r.headers.emplace_back("Content-Type", "application/xml");
  return r;
}

std::string_view AnswerHeader(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

std::variant<FileMeta, S3Error> MetaFromHeaders(const HeaderMap& headers, bool checksums) {
  constexpr size_t kMaxUserMetaBytes = 2048;
  FileMeta m;
  size_t user = 0;
  for (const auto& [name, value] : headers) {  // names in lower case, sorted
    bool stored =
        std::find(kStoredHeaders.begin(), kStoredHeaders.end(), name) != kStoredHeaders.end();
    bool mine = name.compare(0, kUserMetaPrefix.size(), kUserMetaPrefix) == 0;
    if (!stored && !mine) continue;
    if (name == "x-amz-meta-walfs-append") continue;
    if (!checksums && name.compare(0, kChecksumPrefix.size(), kChecksumPrefix) == 0) continue;
    if (mine) user += name.size() - kUserMetaPrefix.size() + value.size();
    m.headers.emplace_back(name, value);
  }
  if (user > kMaxUserMetaBytes) {
    return S3Error{"MetadataTooLarge", "the user metadata is " + std::to_string(user) +
                                           " bytes; at most 2048 are stored"};
  }
  if (Status st = CheckFileMeta(m); !st.ok()) return S3Error{"InvalidArgument", st.message()};
  return m;
}

std::vector<std::string> EtagList(std::string_view value) {
  std::vector<std::string> out;
  for (std::string_view t : CommaList(value)) {
    if (t.substr(0, 2) == "W/") t.remove_prefix(2);
    if (t.size() >= 2 && t.front() == '"' && t.back() == '"') t = t.substr(1, t.size() - 2);
    if (!t.empty()) out.emplace_back(t);
  }
  return out;
}

std::string S3EtagOf(const Node& n, const FileMeta& meta) {
  return meta.etag.empty() ? n.inode.version.ToString() : meta.etag;
}

HttpResponse PutAnswer(const HttpResponse& api, std::string_view etag) {
  HttpResponse r;
  auto j = nlohmann::json::parse(api.body, nullptr, false);
  if (!etag.empty()) {
    r.headers.emplace_back("ETag", "\"" + std::string(etag) + "\"");
  } else if (auto v = AnswerHeader(api, "ETag"); !v.empty()) {
    r.headers.emplace_back("ETag", std::string(v));
  } else if (j.is_object() && j.contains("version")) {
    r.headers.emplace_back("ETag", "\"" + j["version"].get<std::string>() + "\"");
  }
  if (j.is_object() && j.contains("offset")) {
    r.headers.emplace_back("x-walfs-offset", std::to_string(j["offset"].get<uint64_t>()));
  }
  if (auto pos = AnswerHeader(api, "X-Walfs-Position"); !pos.empty()) {
    r.headers.emplace_back("x-walfs-position", std::string(pos));
  }
  return r;
}

}  // namespace walfs
