#include "s3/s3_call.h"

#include <strings.h>

#include <nlohmann/json.hpp>

#include "auth/crypto.h"
#include "core/hash.h"
#include "http/util.h"

namespace walfs {

std::string NewRequestId() {
  std::string id = ToHex(RandomBytes(8));
  for (char& ch : id) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
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
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
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

std::optional<S3Error> CheckContentMd5(const HeaderMap& headers, std::string_view body) {
  auto it = headers.find("content-md5");
  if (it == headers.end()) return std::nullopt;
  auto sent = Base64Decode(it->second);
  if (!sent || sent->size() != 16) {
    return S3Error{"InvalidDigest", "Content-MD5 is not the base64 of a 16-byte MD5"};
  }
  if (*sent != Md5(body)) {
    return S3Error{"BadDigest", "the body's MD5 is not the Content-MD5 sent; nothing was written"};
  }
  return std::nullopt;
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

HttpResponse PutAnswer(const HttpResponse& api) {
  HttpResponse r;
  auto j = nlohmann::json::parse(api.body, nullptr, false);
  if (j.is_object() && j.contains("version")) {
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
