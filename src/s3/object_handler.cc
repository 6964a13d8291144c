// S3Api's object operations: PutObject (with appends), GetObject,
// HeadObject, DeleteObject.
#include <strings.h>

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <algorithm>

#include "auth/authorize.h"
#include "auth/crypto.h"
#include "core/hash.h"
#include "core/path.h"
#include "http/util.h"
#include "s3/body_check.h"
#include "s3/s3_api.h"
#include "s3/s3_call.h"
#include "s3/xml.h"

namespace walfs {
namespace asio = boost::asio;

namespace {

// Headers of a read that the HTTP API takes as they are.
constexpr std::string_view kReadHeaders[] = {"range",
                                             "if-match",
                                             "if-none-match",
                                             "if-modified-since",
                                             "if-unmodified-since",
                                             "x-walfs-min-position"};

// Headers of the API's answer that an S3 read answers with (and the
// object's stored headers and x-amz-meta-*).
constexpr std::string_view kAnswerHeaders[] = {"ETag", "Last-Modified", "Content-Range",
                                               "Accept-Ranges"};

bool IsStoredHeader(std::string_view name) {
  return std::find(kStoredHeaders.begin(), kStoredHeaders.end(), name) != kStoredHeaders.end() ||
         name.substr(0, kUserMetaPrefix.size()) == kUserMetaPrefix;
}

// response-content-* query parameters and the headers they set.
constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
    {"response-content-type", "Content-Type"},
    {"response-content-language", "Content-Language"},
    {"response-expires", "Expires"},
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"}};

}  // namespace

std::variant<HeaderMap, S3Error> S3Api::WriteConditions(const Call& c,
                                                        const std::string& path) const {
  HeaderMap h;
  auto inm = c.header("if-none-match");
  if (inm == "*") h.emplace("if-none-match", "*");
  auto im = c.header("if-match");
  if (im.empty() && (inm.empty() || inm == "*")) return h;
  auto snap = node_->ReadSnapshot();
  FsView view(snap.get(), node_->block_bytes());
  auto n = view.Lookup(path);
  if (!inm.empty() && inm != "*") {
    // If-None-Match with ETags: refused if the object has one of them now;
    // otherwise the write applies only to the object as read now (or to
    // no object), decided again at apply time.
    if (!n.ok() || !*n || (*n)->is_dir()) {
      h.emplace("if-none-match", "*");
    } else {
      auto meta = view.LoadMeta(**n);
      if (!meta.ok()) return S3ErrorFor(meta.status());
      std::string etag = S3EtagOf(**n, *meta);
      for (const std::string& t : EtagList(inm)) {
        if (t == etag) {
          return S3Error{"PreconditionFailed",
                         "the object's ETag is \"" + etag + "\", which If-None-Match lists"};
        }
      }
      h.emplace("if-match", "\"" + (*n)->inode.version.ToString() + "\"");
    }
    if (im.empty()) return h;
  }
  if (!n.ok() || !*n || (*n)->is_dir()) {
    return S3Error{"NoSuchKey", "the key '" + c.parsed->key + "' does not exist"};
  }
  auto meta = view.LoadMeta(**n);
  if (!meta.ok()) return S3ErrorFor(meta.status());
  std::string etag = S3EtagOf(**n, *meta);
  for (const std::string& t : EtagList(im)) {
    if (t == "*" || t == etag) {
      // The object as read now: the entry applies only if it still is.
      h.emplace("if-match", "\"" + (*n)->inode.version.ToString() + "\"");
      return h;
    }
  }
  return S3Error{"PreconditionFailed",
                 "the object's ETag is \"" + etag + "\", which If-Match does not list"};
}

asio::awaitable<HttpResponse> S3Api::PutObject(Call& c) {
  const S3Request& r = *c.parsed;
  if (auto e = BucketMissing(c)) co_return ErrorAnswer(c, *e);
  if (auto e = CheckWholeBody(c.headers, c.body)) co_return ErrorAnswer(c, *e);
  if (r.directory_key) {
    // The console's folder: an empty object whose key ends in "/".
    if (!c.body.empty()) {
      co_return ErrorAnswer(
          c, {"InvalidArgument", "a key ending in '/' names a directory: its body must be empty"});
    }
    HttpResponse api = co_await CallApi(c, "POST", r.path, "op=mkdir", {}, "");
    if (api.status / 100 != 2) co_return FromApiError(c, api);
    co_return PutAnswer(api);
  }
  auto meta = MetaFromHeaders(c.headers, true);
  if (auto* e = std::get_if<S3Error>(&meta)) co_return ErrorAnswer(c, *e);
  auto conditions = WriteConditions(c, r.path);
  if (auto* e = std::get_if<S3Error>(&conditions)) co_return ErrorAnswer(c, *e);
  HeaderMap h = std::move(std::get<HeaderMap>(conditions));
  S3Call s3{std::move(std::get<FileMeta>(meta)), {}, false};
  std::string_view offset = c.header("x-amz-write-offset-bytes");
  bool append_anywhere = c.header("x-amz-meta-walfs-append") == "true";
  if (!offset.empty() || append_anywhere) {
    // An append (S3 Express's write offset: only at the object's size,
    // decided when the entry applies; walfs's: wherever the end is then).
    if (!offset.empty()) {
      if (!ParseU64(offset)) {
        co_return ErrorAnswer(c, {"InvalidArgument", "x-amz-write-offset-bytes must be a number"});
      }
      h.emplace("x-walfs-if-size", offset);
    }
    HttpResponse api = co_await CallApi(c, "POST", r.path, "op=append", std::move(h),
                                        std::move(c.body), std::move(s3));
    if (api.status == 412 && !offset.empty()) {
      co_return ErrorAnswer(
          c, {"InvalidWriteOffset", "x-amz-write-offset-bytes " + std::string(offset) +
                                        " is not the object's size; nothing was written"});
    }
    if (api.status / 100 != 2) co_return FromApiError(c, api);
    co_return PutAnswer(api);
  }
  // A whole write: its ETag is the MD5 of its bytes, computed here once
  // and carried in the entry.
  s3.meta.etag = ToHex(Md5(c.body));
  std::string etag = s3.meta.etag;
  HttpResponse api =
      co_await CallApi(c, "PUT", r.path, "", std::move(h), std::move(c.body), std::move(s3));
  if (api.status / 100 != 2) co_return FromApiError(c, api);
  co_return PutAnswer(api, etag);
}

asio::awaitable<HttpResponse> S3Api::GetObject(Call& c) {
  const S3Request& r = *c.parsed;
  {
    // A directory is an object only by its "/" key (the console's folder).
    auto snap = node_->ReadSnapshot();
    FsView view(snap.get(), node_->block_bytes());
    auto n = view.Lookup(r.path);
    if (n.ok() && *n && (*n)->is_dir()) {
      if (!r.directory_key || r.path == "/" + r.bucket) {
        co_return ErrorAnswer(c, {"NoSuchKey", "the key '" + r.key + "' does not exist"});
      }
      HttpResponse d;
      d.headers.emplace_back("Content-Type", "application/x-directory");
      d.headers.emplace_back("ETag", "\"" + (*n)->inode.version.ToString() + "\"");
      d.headers.emplace_back("Last-Modified", FormatHttpDate((*n)->inode.mtime_ms));
      if (c.head) d.head_length = 0;
      co_return d;
    }
  }
  HeaderMap h;
  if (r.Has("partNumber")) {
    // A part of an object read alone: walfs keeps no part boundaries once
    // an upload is complete, so the whole object is its one part.
    if (r.Query("partNumber") != "1") {
      co_return ErrorAnswer(c, {"InvalidPartNumber", "the object is read as one part"});
    }
  }
  for (std::string_view name : kReadHeaders) {
    std::string_view v = c.header(name);
    if (v.empty()) continue;
    bool etags = name == "if-match" || name == "if-none-match";
    h.emplace(name, etags ? QuoteEtags(v) : std::string(v));
  }
  HttpResponse api = co_await CallApi(c, c.head ? "HEAD" : "GET", r.path, "", std::move(h), "");
  if (api.status == 304) {
    HttpResponse nm;
    nm.status = 304;
    for (std::string_view name : {"ETag", "Last-Modified"}) {
      if (auto v = AnswerHeader(api, name); !v.empty()) nm.headers.emplace_back(name, v);
    }
    co_return nm;
  }
  if (api.status != 200 && api.status != 206) {
    HttpResponse e = FromApiError(c, api);
    if (api.status == 416) {
      if (auto v = AnswerHeader(api, "Content-Range"); !v.empty()) {
        e.headers.emplace_back("Content-Range", v);
      }
    }
    co_return e;
  }
  HttpResponse out;
  out.status = api.status;
  out.stream = std::move(api.stream);
  out.head_length = api.head_length;
  out.body = std::move(api.body);
  for (std::string_view name : kAnswerHeaders) {
    if (auto v = AnswerHeader(api, name); !v.empty()) out.headers.emplace_back(name, v);
  }
  bool typed = false;
  for (const auto& [name, value] : api.headers) {
    std::string lower(name);
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!IsStoredHeader(lower)) continue;
    bool overridden = false;
    for (const auto& [q, header] : kOverrides) {
      overridden = overridden || (r.Has(q) && strcasecmp(header.data(), lower.c_str()) == 0);
    }
    if (overridden) continue;
    if (lower.compare(0, kChecksumPrefix.size(), kChecksumPrefix) == 0 &&
        c.header("x-amz-checksum-mode") != "ENABLED") {
      continue;  // checksums only when asked
    }
    typed = typed || lower == "content-type";
    out.headers.emplace_back(name, value);
  }
  if (auto v = AnswerHeader(api, "X-Walfs-Position"); !v.empty()) {
    out.headers.emplace_back("x-walfs-position", v);
  }
  for (const auto& [q, header] : kOverrides) {
    if (r.Has(q)) {
      out.headers.emplace_back(header, r.Query(q));
      typed = typed || header == "Content-Type";
    }
  }
  if (!typed) out.headers.emplace_back("Content-Type", "binary/octet-stream");
  co_return out;
}

asio::awaitable<std::variant<std::string, HttpResponse>> S3Api::DeleteKey(const Call& c,
                                                                          const std::string& bucket,
                                                                          const std::string& path) {
  HttpResponse api = co_await CallApi(c, "DELETE", path, "", {}, "");
  // S3 answers success whether or not the key was there; a directory that
  // still holds keys stays (its keys stand for it).
  if (api.status / 100 != 2 && api.status != 404 && api.status != 409) {
    co_return FromApiError(c, api);
  }
  std::string position(AnswerHeader(api, "X-Walfs-Position"));
  if (api.status / 100 == 2) {
    // A prefix with no key left is gone in S3: the directories the key
    // emptied go too, up to the bucket (each delete fails, changing
    // nothing, if the directory is not empty when it applies).
    std::string_view dir = ParentPath(path);
    while (dir.size() > bucket.size() + 1) {
      HttpResponse d = co_await CallApi(c, "DELETE", dir, "", {}, "");
      if (d.status / 100 != 2) break;
      position = std::string(AnswerHeader(d, "X-Walfs-Position"));
      dir = ParentPath(dir);
    }
  }
  co_return position;
}

asio::awaitable<HttpResponse> S3Api::DeleteObject(Call& c) {
  const S3Request& r = *c.parsed;
  if (auto e = BucketMissing(c)) co_return ErrorAnswer(c, *e);
  auto done = co_await DeleteKey(c, r.bucket, r.path);
  if (auto* e = std::get_if<HttpResponse>(&done)) co_return std::move(*e);
  HttpResponse out;
  out.status = 204;
  const std::string& position = std::get<std::string>(done);
  if (!position.empty()) out.headers.emplace_back("x-walfs-position", position);
  co_return out;
}

asio::awaitable<HttpResponse> S3Api::DeleteObjects(Call& c) {
  const S3Request& r = *c.parsed;
  if (auto e = BucketMissing(c)) co_return ErrorAnswer(c, *e);
  if (auto e = CheckWholeBody(c.headers, c.body)) co_return ErrorAnswer(c, *e);
  auto doc = ParseXml(c.body);
  if (!doc || doc->name != "Delete") {
    co_return ErrorAnswer(c, {"MalformedXML", "the body is not a <Delete> document"});
  }
  const XmlElement* quiet = doc->Child("Quiet");
  bool is_quiet = quiet != nullptr && quiet->text == "true";
  std::vector<std::string> keys;
  for (const auto& o : doc->children) {
    if (o.name != "Object") continue;
    const XmlElement* k = o.Child("Key");
    if (k == nullptr) co_return ErrorAnswer(c, {"MalformedXML", "an <Object> without a <Key>"});
    keys.push_back(k->text);
  }
  if (keys.empty() || keys.size() > 1000) {
    co_return ErrorAnswer(c, {"MalformedXML", "a <Delete> names 1 to 1000 objects"});
  }
  XmlWriter w("DeleteResult");
  std::string position;
  for (const std::string& key : keys) {
    // Each key on its own: its path, its right, its deletion.
    std::optional<S3Error> err;
    auto path = ObjectPath(r.bucket, key);
    if (auto* e = std::get_if<S3Error>(&path)) {
      err = *e;
    } else if (c.principal) {
      Status st = Authorize(*c.principal, {Access::kWrite, {std::get<std::string>(path)}});
      if (!st.ok()) err = S3Error{"AccessDenied", st.message()};
    }
    if (!err) {
      auto done = co_await DeleteKey(c, r.bucket, std::get<std::string>(path));
      if (auto* failed = std::get_if<HttpResponse>(&done)) {
        auto x = ParseXml(failed->body);
        const XmlElement* code = x ? x->Child("Code") : nullptr;
        const XmlElement* message = x ? x->Child("Message") : nullptr;
        err = S3Error{code ? code->text : "InternalError", message ? message->text : ""};
      } else if (!std::get<std::string>(done).empty()) {
        position = std::get<std::string>(done);
      }
    }
    if (err) {
      w.Open("Error");
      w.Element("Key", key);
      w.Element("Code", err->code);
      w.Element("Message", err->message);
      w.Close();
    } else if (!is_quiet) {
      w.Open("Deleted");
      w.Element("Key", key);
      w.Close();
    }
  }
  HttpResponse out = XmlAnswer(w.Finish());
  if (!position.empty()) out.headers.emplace_back("x-walfs-position", position);
  co_return out;
}

}  // namespace walfs
