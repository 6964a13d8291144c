#include "backup/s3_store.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>

#include "core/hash.h"
#include "core/path.h"

namespace walfs {
namespace {

std::string Sha256Hex(const std::function<size_t(char*, size_t)>& read) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::string buf(1 << 20, '\0');
  for (size_t n; (n = read(buf.data(), buf.size())) > 0;) EVP_DigestUpdate(ctx, buf.data(), n);
  unsigned char md[32];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  return ToHex(std::string_view(reinterpret_cast<char*>(md), len));
}

std::string Sha256Hex(const std::string& s) {
  size_t off = 0;
  return Sha256Hex([&](char* b, size_t n) {
    size_t k = std::min(n, s.size() - off);
    std::copy_n(s.data() + off, k, b);
    off += k;
    return k;
  });
}

size_t AppendToString(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

size_t WriteToFile(char* p, size_t size, size_t n, void* f) {
  return std::fwrite(p, size, n, static_cast<FILE*>(f)) * size;
}

std::string XmlUnescape(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (auto [from, to] : kEntities) {
    for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += std::strlen(to)) {
      s.replace(at, std::strlen(from), to);
    }
  }
  return s;
}

std::string Between(const std::string& s, const std::string& open, const std::string& close,
                    size_t from, size_t* end) {
  size_t a = s.find(open, from);
  if (a == std::string::npos) return "";
  a += open.size();
  size_t b = s.find(close, a);
  if (b == std::string::npos) return "";
  if (end != nullptr) *end = b + close.size();
  return s.substr(a, b - a);
}

class S3Store final : public BackupStore {
 public:
  S3Store(std::string bucket, std::string prefix, S3Options o)
      : bucket_(std::move(bucket)), prefix_(std::move(prefix)), o_(std::move(o)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    while (!o_.endpoint.empty() && o_.endpoint.back() == '/') o_.endpoint.pop_back();
  }

  Status PutFile(const std::string& key, const std::string& local) override {
    FILE* f = std::fopen(local.c_str(), "rb");
    if (f == nullptr) return Status(Code::kIoError, "cannot read " + local);
    std::string sha = Sha256Hex([&](char* b, size_t n) { return std::fread(b, 1, n, f); });
    std::fseek(f, 0, SEEK_END);
    long size = std::ftell(f);
    std::rewind(f);
    Request req{"PUT", key, "", sha};
    req.upload = f;
    req.upload_size = size;
    auto r = Perform(req);
    std::fclose(f);
    return r.ok() ? Status::Ok() : r.status();
  }

  Status PutBytes(const std::string& key, const std::string& bytes) override {
    Request req{"PUT", key, "", Sha256Hex(bytes)};
    req.body = &bytes;
    auto r = Perform(req);
    return r.ok() ? Status::Ok() : r.status();
  }

  Status GetFile(const std::string& key, const std::string& local) override {
    FILE* f = std::fopen(local.c_str(), "wb");
    if (f == nullptr) return Status(Code::kIoError, "cannot write " + local);
    Request req{"GET", key, "", Sha256Hex(std::string())};
    req.download = f;
    auto r = Perform(req);
    bool closed = std::fclose(f) == 0;
    if (!r.ok()) return r.status();
    return closed ? Status::Ok() : Status(Code::kIoError, "cannot write " + local);
  }

  Result<std::string> GetBytes(const std::string& key) override {
    return Perform(Request{"GET", key, "", Sha256Hex(std::string())});
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    std::vector<ObjectInfo> out;
    std::string token;
    do {
      std::string q = "list-type=2&prefix=" + S3EncodeKey(prefix_ + prefix);
      if (!token.empty()) q += "&continuation-token=" + Escape(token);
      auto r = Perform(Request{"GET", "", q, Sha256Hex(std::string())});
      if (!r.ok()) return r.status();
      for (auto& obj : ParseListObjects(*r, &token)) {
        obj.key = obj.key.substr(prefix_.size());
        out.push_back(std::move(obj));
      }
    } while (!token.empty());
    return out;
  }

  Status Delete(const std::string& key) override {
    auto r = Perform(Request{"DELETE", key, "", Sha256Hex(std::string())});
    if (!r.ok() && r.status().code() != Code::kNotFound) return r.status();
    return Status::Ok();
  }

  std::string Describe() const override {
    return "s3://" + bucket_ + "/" + prefix_ + " at " + o_.endpoint;
  }

 private:
  struct Request {
    std::string method, key, query, sha256;
    const std::string* body = nullptr;
    FILE* upload = nullptr;
    long upload_size = 0;
    FILE* download = nullptr;
  };

  static std::string Escape(const std::string& s) { return S3EncodeKey(s); }

  // Returns the response body (unless downloading to a file).
  Result<std::string> Perform(const Request& req) {
    CURL* c = curl_easy_init();
    if (c == nullptr) return Status(Code::kIoError, "curl_easy_init failed");
    std::string url = o_.endpoint + "/" + bucket_;
    if (req.query.empty()) url += "/" + S3EncodeKey(prefix_ + req.key);
    if (!req.query.empty()) url += "?" + req.query;
    std::string sigv4 = "aws:amz:" + o_.region + ":s3",
                userpwd = o_.access_key + ":" + o_.secret_key;
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, ("x-amz-content-sha256: " + req.sha256).c_str());
    std::string resp;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4.c_str());
    curl_easy_setopt(c, CURLOPT_USERPWD, userpwd.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o_.timeout_ms));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    if (req.method == "PUT") {
      curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
      if (req.upload != nullptr) {
        curl_easy_setopt(c, CURLOPT_READDATA, req.upload);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.upload_size));
      } else {
        upload_view_ = req.body == nullptr ? std::string_view() : std::string_view(*req.body);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, &S3Store::ReadFromView);
        curl_easy_setopt(c, CURLOPT_READDATA, &upload_view_);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload_view_.size()));
      }
    }
    long status = 0;
    std::string err_body;
    if (req.download != nullptr) {
      curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteToFile);
      curl_easy_setopt(c, CURLOPT_WRITEDATA, req.download);
    } else {
      curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendToString);
      curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
      return Status(Code::kIoError, "S3 " + req.method + " " + url + ": " + curl_easy_strerror(rc));
    }
    if (status == 404) return Status(Code::kNotFound, req.key + " is not in " + Describe());
    if (status < 200 || status >= 300) {
      return Status(Code::kIoError, "S3 " + req.method + " " + url + ": HTTP " +
                                        std::to_string(status) + " " + resp.substr(0, 300));
    }
    return resp;
  }

  static size_t ReadFromView(char* p, size_t size, size_t n, void* v) {
    auto* view = static_cast<std::string_view*>(v);
    size_t k = std::min(size * n, view->size());
    std::copy_n(view->data(), k, p);
    view->remove_prefix(k);
    return k;
  }

  std::string bucket_, prefix_;
  S3Options o_;
  std::string_view upload_view_;
};

}  // namespace

std::string S3EncodeKey(const std::string& key) { return PercentEncode(key, true); }

std::vector<ObjectInfo> ParseListObjects(const std::string& xml, std::string* next) {
  std::vector<ObjectInfo> out;
  size_t pos = 0, end = 0;
  for (;;) {
    std::string item = Between(xml, "<Contents>", "</Contents>", pos, &end);
    if (item.empty()) break;
    pos = end;
    ObjectInfo o;
    o.key = XmlUnescape(Between(item, "<Key>", "</Key>", 0, nullptr));
    o.size = std::strtoull(Between(item, "<Size>", "</Size>", 0, nullptr).c_str(), nullptr, 10);
    out.push_back(std::move(o));
  }
  bool truncated = Between(xml, "<IsTruncated>", "</IsTruncated>", 0, nullptr) == "true";
  *next = truncated ? XmlUnescape(Between(xml, "<NextContinuationToken>",
                                          "</NextContinuationToken>", 0, nullptr))
                    : "";
  return out;
}

Result<std::unique_ptr<BackupStore>> OpenS3Store(const std::string& url, const S3Options& opts) {
  std::string rest = url.substr(5);
  auto slash = rest.find('/');
  std::string bucket = rest.substr(0, slash);
  std::string prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (!prefix.empty() && prefix.back() != '/') prefix += "/";
  if (bucket.empty()) return Status(Code::kBadRequest, "backup URL " + url + ": no bucket");
  if (opts.access_key.empty() || opts.secret_key.empty()) {
    return Status(Code::kBadRequest,
                  "S3 backups need AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or --s3-* flags)");
  }
  return std::unique_ptr<BackupStore>(std::make_unique<S3Store>(bucket, prefix, opts));
}

}  // namespace walfs
