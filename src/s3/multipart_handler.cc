// S3Api's multipart uploads, carried out as the HTTP API's uploads
// (api-v1.md, "Uploads in parts"): CreateMultipartUpload is POST
// /v1/uploads, UploadPart a part's PUT (its body streamed into chunks),
// CompleteMultipartUpload the commit of the listed parts, which the state
// machine checks against the MD5s S3 gave for them (InvalidPart otherwise)
// and stores with the upload's headers and the multipart ETag (the MD5 of
// the parts' binary MD5s, "-N").
#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <algorithm>
#include <nlohmann/json.hpp>

#include "auth/crypto.h"
#include "core/hash.h"
#include "core/path.h"
#include "http/util.h"
#include "s3/checked_body.h"
#include "s3/s3_api.h"
#include "s3/s3_call.h"
#include "s3/xml.h"

namespace walfs {
namespace asio = boost::asio;
using nlohmann::json;

namespace {

// S3's smallest part, but for the last.
constexpr uint64_t kMinPartBytes = 5ull << 20;
constexpr int kMaxPartsListed = 1000;

S3Error NoSuchUpload(std::string_view id) {
  return S3Error{"NoSuchUpload", "no upload of this key has the id '" + std::string(id) + "'"};
}

std::string UploadTarget(std::string_view id) { return "/v1/uploads/" + PercentEncode(id, false); }

// "2026-12-02T21:00:00.000Z" as S3 writes it.
std::string IsoOf(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

HttpResponse CompleteAnswer(const S3Request& r, const std::string& etag,
                            std::string_view position) {
  XmlWriter w("CompleteMultipartUploadResult");
  w.Element("Location", "/" + r.bucket + "/" + r.key);
  w.Element("Bucket", r.bucket);
  w.Element("Key", r.key);
  w.Element("ETag", "\"" + etag + "\"");
  HttpResponse out = XmlAnswer(w.Finish());
  if (!position.empty()) out.headers.emplace_back("x-walfs-position", std::string(position));
  return out;
}

}  // namespace

asio::awaitable<HttpResponse> S3Api::CreateMultipartUpload(Call& c) {
  const S3Request& r = *c.parsed;
  if (auto e = BucketMissing(c)) co_return ErrorAnswer(c, *e);
  if (r.directory_key) {
    co_return ErrorAnswer(c, {"InvalidArgument", "a key ending in '/' names a directory"});
  }
  auto meta = MetaFromHeaders(c.headers, false);
  if (auto* e = std::get_if<S3Error>(&meta)) co_return ErrorAnswer(c, *e);
  std::string body = json{{"path", r.path}, {"op", "put"}}.dump();
  S3Call s3;  // (locals, not temporaries in the co_await: g++ 12)
  s3.meta = std::move(std::get<FileMeta>(meta));
  HttpResponse api =
      co_await CallTarget(c, "POST", "/v1/uploads", HeaderMap(), std::move(body), std::move(s3));
  if (api.status / 100 != 2) co_return FromApiError(c, api);
  auto j = json::parse(api.body, nullptr, false);
  XmlWriter w("InitiateMultipartUploadResult");
  w.Element("Bucket", r.bucket);
  w.Element("Key", r.key);
  w.Element("UploadId", j.value("upload_id", ""));
  co_return XmlAnswer(w.Finish());
}

asio::awaitable<HttpResponse> S3Api::UploadPart(const Call& c, const HttpRequest& req,
                                                BodyReader& body) {
  const S3Request& r = *c.parsed;
  if (!ValidUploadId(r.Query("uploadId")))
    co_return ErrorAnswer(c, NoSuchUpload(r.Query("uploadId")));
  auto n = ParseU64(r.Query("partNumber"));
  if (!n || *n < 1 || *n > kMaxPartsPerUpload) {
    co_return ErrorAnswer(c, {"InvalidArgument", "partNumber must be 1 to 10000"});
  }
  auto digests = BodyDigestsOf(c.headers);
  if (auto* e = std::get_if<S3Error>(&digests)) co_return ErrorAnswer(c, *e);
  HttpRequest put;
  put.method = "PUT";
  put.target = UploadTarget(r.Query("uploadId")) + "/parts/" + std::to_string(*n);
  if (auto v = req.header("content-length"); !v.empty()) put.headers.emplace("content-length", v);
  put.principal = c.principal;
  put.s3 = S3Call{};
  CheckedBody checked(body, std::get<BodyDigests>(digests));
  HttpResponse api = co_await api_->HandleStreamed(std::move(put), checked);
  if (checked.failure()) co_return ErrorAnswer(c, *checked.failure());
  if (api.status == 404) {
    co_return ErrorAnswer(
        c, {"NoSuchUpload", "no upload has the id '" + std::string(r.Query("uploadId")) + "'"});
  }
  if (api.status / 100 != 2) co_return FromApiError(c, api);
  HttpResponse out;
  out.headers.emplace_back("ETag", std::string(AnswerHeader(api, "ETag")));
  if (auto pos = AnswerHeader(api, "X-Walfs-Position"); !pos.empty()) {
    out.headers.emplace_back("x-walfs-position", std::string(pos));
  }
  // The part's checksum, as S3 answers it, whether a header or a trailer
  // brought it.
  if (const auto& sum = std::get<BodyDigests>(digests).checksum) {
    const HeaderMap* t = checked.trailers();
    out.headers.emplace_back(sum->header, t ? t->at(sum->header) : sum->value);
  }
  co_return out;
}

asio::awaitable<HttpResponse> S3Api::CompleteMultipartUpload(Call& c) {
  const S3Request& r = *c.parsed;
  std::string id(r.Query("uploadId"));
  if (!ValidUploadId(id)) co_return ErrorAnswer(c, NoSuchUpload(id));
  auto doc = ParseXml(c.body);
  if (!doc || doc->name != "CompleteMultipartUpload") {
    // An unknown upload is said first, whatever the body.
    HttpResponse known = co_await CallTarget(c, "GET", UploadTarget(id));
    if (known.status == 404) {
      co_return ErrorAnswer(c, {"NoSuchUpload", "no upload has the id '" + id + "'"});
    }
    co_return ErrorAnswer(c, {"MalformedXML", "the body is not a <CompleteMultipartUpload>"});
  }
  // The parts the client lists, with the ETags it was given for them.
  std::vector<std::pair<uint32_t, std::string>> listed;
  for (const auto& p : doc->children) {
    if (p.name != "Part") continue;
    const XmlElement* num = p.Child("PartNumber");
    const XmlElement* etag = p.Child("ETag");
    auto n = num ? ParseU64(num->text) : std::nullopt;
    if (!n || etag == nullptr || *n < 1 || *n > kMaxPartsPerUpload) {
      co_return ErrorAnswer(c, {"MalformedXML", "a <Part> needs a <PartNumber> and an <ETag>"});
    }
    auto tags = EtagList(etag->text);
    auto md5 = tags.size() == 1 ? FromHex(tags[0]) : std::nullopt;
    if (!md5 || md5->size() != 16) {
      co_return ErrorAnswer(c, {"InvalidPart", "part " + std::to_string(*n) + "'s ETag '" +
                                                   etag->text + "' is not one walfs gave"});
    }
    if (!listed.empty() && listed.back().first >= *n) {
      co_return ErrorAnswer(c, {"InvalidPartOrder", "parts must be listed in ascending order"});
    }
    listed.emplace_back(static_cast<uint32_t>(*n), std::move(*md5));
  }
  std::string listed_md5s;
  for (const auto& [n, md5] : listed) listed_md5s += md5;
  std::string etag = ToHex(Md5(listed_md5s)) + "-" + std::to_string(listed.size());
  // The upload as it is now: its key, and its parts' sizes (every part but
  // the last is at least 5 MiB, as in S3).
  HttpResponse got = co_await CallTarget(c, "GET", UploadTarget(id));
  auto u = json::parse(got.body, nullptr, false);
  if (got.status == 404) {
    // Completed already (a retry): the object these parts made is there.
    auto snap = node_->ReadSnapshot();
    FsView view(snap.get(), node_->block_bytes());
    auto n = view.Lookup(r.path);
    auto meta = n.ok() && *n && !(*n)->is_dir() ? view.LoadMeta(**n) : Result<FileMeta>(FileMeta{});
    if (meta.ok() && meta->etag == etag) co_return CompleteAnswer(r, etag, "");
  }
  if (got.status == 404 || (u.is_object() && u.value("path", "") != r.path)) {
    co_return ErrorAnswer(c, {"NoSuchUpload", "no upload of this key has the id '" + id + "'"});
  }
  if (got.status / 100 != 2 || !u.is_object()) co_return FromApiError(c, got);
  if (listed.empty()) {
    co_return ErrorAnswer(c, {"MalformedXML", "a <CompleteMultipartUpload> lists its parts"});
  }
  std::map<uint32_t, uint64_t> sizes;
  for (const auto& p : u.value("parts", json::array())) {
    sizes[p.value("part", 0u)] = p.value("size", uint64_t{0});
  }
  std::vector<uint32_t> numbers;
  S3Call s3;
  for (size_t i = 0; i < listed.size(); ++i) {
    uint32_t n = listed[i].first;
    const std::string& md5 = listed[i].second;
    auto size = sizes.find(n);
    if (size == sizes.end()) {
      co_return ErrorAnswer(c, {"InvalidPart", "part " + std::to_string(n) + " was not uploaded"});
    }
    if (i + 1 < listed.size() && size->second < kMinPartBytes) {
      co_return ErrorAnswer(
          c,
          {"EntityTooSmall", "part " + std::to_string(n) + " is " + std::to_string(size->second) +
                                 " bytes; all but the last are 5 MiB or more"});
    }
    numbers.push_back(n);
    s3.part_md5s.push_back(md5);
  }
  s3.meta.etag = etag;
  HeaderMap h;
  if (auto inm = c.header("if-none-match"); !inm.empty()) {
    if (inm != "*") co_return ErrorAnswer(c, {"NotImplemented", "If-None-Match: * only"});
    h.emplace("if-none-match", "*");
  }
  std::string commit = json{{"parts", numbers}}.dump();
  HttpResponse api = co_await CallTarget(c, "POST", UploadTarget(id) + "/commit", std::move(h),
                                         std::move(commit), std::move(s3));
  if (api.status == 404) {
    co_return ErrorAnswer(c, {"NoSuchUpload", "no upload has the id '" + id + "'"});
  }
  if (api.status == 400) {
    // A part replaced since it was listed: not the bytes the client named.
    auto j = json::parse(api.body, nullptr, false);
    co_return ErrorAnswer(c, {"InvalidPart", j.is_object() ? j.value("message", "") : ""});
  }
  if (api.status / 100 != 2) co_return FromApiError(c, api);
  co_return CompleteAnswer(r, etag, AnswerHeader(api, "X-Walfs-Position"));
}

asio::awaitable<HttpResponse> S3Api::AbortMultipartUpload(Call& c) {
  std::string id(c.parsed->Query("uploadId"));
  if (!ValidUploadId(id)) co_return ErrorAnswer(c, NoSuchUpload(id));
  HttpResponse api = co_await CallTarget(c, "DELETE", UploadTarget(id));
  if (api.status == 404) {
    co_return ErrorAnswer(c, {"NoSuchUpload", "no upload has the id '" + id + "'"});
  }
  if (api.status / 100 != 2) co_return FromApiError(c, api);
  HttpResponse out;
  out.status = 204;
  co_return out;
}

asio::awaitable<HttpResponse> S3Api::ListParts(Call& c) {
  const S3Request& r = *c.parsed;
  std::string id(r.Query("uploadId"));
  if (!ValidUploadId(id)) co_return ErrorAnswer(c, NoSuchUpload(id));
  HttpResponse got = co_await CallTarget(c, "GET", UploadTarget(id));
  auto u = json::parse(got.body, nullptr, false);
  if (got.status == 404 || (u.is_object() && u.value("path", "") != r.path)) {
    co_return ErrorAnswer(c, {"NoSuchUpload", "no upload of this key has the id '" + id + "'"});
  }
  if (got.status / 100 != 2 || !u.is_object()) co_return FromApiError(c, got);
  uint64_t marker = ParseU64(r.Query("part-number-marker")).value_or(0);
  uint64_t max =
      std::min<uint64_t>(ParseU64(r.Query("max-parts")).value_or(kMaxPartsListed), kMaxPartsListed);
  XmlWriter w("ListPartsResult");
  w.Element("Bucket", r.bucket);
  w.Element("Key", r.key);
  w.Element("UploadId", id);
  w.Element("PartNumberMarker", std::to_string(marker));
  w.Element("MaxParts", std::to_string(max));
  w.Element("StorageClass", "STANDARD");
  uint64_t listed = 0, last = marker;
  bool truncated = false;
  for (const auto& p : u.value("parts", json::array())) {
    uint64_t n = p.value("part", uint64_t{0});
    if (n <= marker) continue;
    if (listed == max) {
      truncated = true;
      break;
    }
    w.Open("Part");
    w.Element("PartNumber", std::to_string(n));
    w.Element("LastModified", IsoOf(u, "created"));
    w.Element("ETag", p.value("etag", ""));
    w.Element("Size", std::to_string(p.value("size", uint64_t{0})));
    w.Close();
    ++listed;
    last = n;
  }
  w.Element("NextPartNumberMarker", std::to_string(last));
  w.Element("IsTruncated", truncated ? "true" : "false");
  co_return XmlAnswer(w.Finish());
}

asio::awaitable<HttpResponse> S3Api::ListMultipartUploads(Call& c) {
  const S3Request& r = *c.parsed;
  if (auto e = BucketMissing(c)) co_return ErrorAnswer(c, *e);
  HttpResponse got =
      co_await CallTarget(c, "GET", "/v1/uploads?path=" + PercentEncode("/" + r.bucket, false));
  if (got.status / 100 != 2) co_return FromApiError(c, got);
  auto j = json::parse(got.body, nullptr, false);
  // Sorted by key, then by upload id, as S3 lists them.
  struct Open {
    std::string key, id, initiated;
  };
  std::vector<Open> open;
  std::string base = "/" + r.bucket + "/";
  std::string prefix(r.Query("prefix"));
  for (const auto& u : j.value("uploads", json::array())) {
    std::string path = u.value("path", "");
    if (path.compare(0, base.size(), base) != 0 || u.value("op", "") != "put") continue;
    std::string key = path.substr(base.size());
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    open.push_back({key, u.value("upload_id", ""), IsoOf(u, "created")});
  }
  std::sort(open.begin(), open.end(), [](const Open& a, const Open& b) {
    return std::tie(a.key, a.id) < std::tie(b.key, b.id);
  });
  std::string key_marker(r.Query("key-marker")), id_marker(r.Query("upload-id-marker"));
  uint64_t max = std::min<uint64_t>(ParseU64(r.Query("max-uploads")).value_or(1000), 1000);
  XmlWriter w("ListMultipartUploadsResult");
  w.Element("Bucket", r.bucket);
  w.Element("KeyMarker", key_marker);
  w.Element("UploadIdMarker", id_marker);
  w.Element("Prefix", prefix);
  w.Element("MaxUploads", std::to_string(max));
  uint64_t listed = 0;
  bool truncated = false;
  std::string next_key, next_id;
  for (const Open& o : open) {
    if (!key_marker.empty() &&
        (id_marker.empty() ? o.key <= key_marker
                           : std::tie(o.key, o.id) <= std::tie(key_marker, id_marker))) {
      continue;
    }
    if (listed == max) {
      truncated = true;
      break;
    }
    w.Open("Upload");
    w.Element("Key", o.key);
    w.Element("UploadId", o.id);
    w.Element("StorageClass", "STANDARD");
    w.Element("Initiated", o.initiated);
    w.Close();
    ++listed;
    next_key = o.key;
    next_id = o.id;
  }
  w.Element("NextKeyMarker", next_key);
  w.Element("NextUploadIdMarker", next_id);
  w.Element("IsTruncated", truncated ? "true" : "false");
  co_return XmlAnswer(w.Finish());
}

}  // namespace walfs
