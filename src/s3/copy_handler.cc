// S3Api's CopyObject: one copy op in the log (the destination shares the
// source's chunks; small-write bytes are copied), with the source's
// conditions (x-amz-copy-source-if-*) decided on this replica's snapshot
// and pinned by a version condition, so that what is copied is the source
// they were decided on. UploadPartCopy: the source's bytes (or a range of
// them), read from one snapshot, become a part of the upload as a body
// would.
#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <nlohmann/json.hpp>

#include "auth/authorize.h"
#include "core/path.h"
#include "http/body_reader.h"
#include "http/util.h"
#include "s3/s3_api.h"
#include "s3/s3_call.h"
#include "s3/xml.h"

namespace walfs {
namespace asio = boost::asio;

namespace {

// x-amz-copy-source: "[/]bucket/key[?versionId=...]", %-encoded.
std::variant<std::pair<std::string, std::string>, S3Error> ParseCopySource(std::string_view v) {
  size_t q = v.find('?');
  if (q != std::string_view::npos) {
    std::string_view query = v.substr(q + 1);
    if (query != "versionId=null" && !query.empty()) {
      return S3Error{"NotImplemented", "walfs keeps no versions: a copy source has no versionId"};
    }
    v = v.substr(0, q);
  }
  auto decoded = PercentDecode(v);
  if (!decoded.ok()) return S3Error{"InvalidArgument", "x-amz-copy-source has a bad %-escape"};
  std::string_view s = *decoded;
  if (!s.empty() && s.front() == '/') s.remove_prefix(1);
  size_t slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size()) {
    return S3Error{"InvalidArgument", "x-amz-copy-source must be bucket/key"};
  }
  return std::pair(std::string(s.substr(0, slash)), std::string(s.substr(slash + 1)));
}

// The copy source's conditions (S3's, as RFC 9110's for a read, except that
// every failure is 412): nullopt if the copy may go on.
std::optional<S3Error> SourcePreconditions(const HeaderMap& headers, const Node& n,
                                           const std::string& etag) {
  auto header = [&](std::string_view name) {
    auto it = headers.find(name);
    return it == headers.end() ? std::string_view() : std::string_view(it->second);
  };
  auto listed = [&](std::string_view v) {
    for (const auto& t : EtagList(v)) {
      if (t == "*" || t == etag) return true;
    }
    return false;
  };
  uint64_t mtime_s = n.inode.mtime_ms / 1000;
  S3Error failed{"PreconditionFailed", ""};
  auto im = header("x-amz-copy-source-if-match");
  auto inm = header("x-amz-copy-source-if-none-match");
  if (!im.empty()) {
    if (!listed(im)) {
      failed.message = "the source's ETag is not one x-amz-copy-source-if-match lists";
      return failed;
    }
  } else if (auto ius = header("x-amz-copy-source-if-unmodified-since"); !ius.empty()) {
    auto since = ParseHttpDate(ius);
    if (since && mtime_s > *since) {
      failed.message = "the source was modified after x-amz-copy-source-if-unmodified-since";
      return failed;
    }
  }
  if (!inm.empty()) {
    if (listed(inm)) {
      failed.message = "the source's ETag is one x-amz-copy-source-if-none-match lists";
      return failed;
    }
  } else if (auto ims = header("x-amz-copy-source-if-modified-since"); !ims.empty()) {
    auto since = ParseHttpDate(ims);
    if (since && mtime_s <= *since) {
      failed.message = "the source was not modified after x-amz-copy-source-if-modified-since";
      return failed;
    }
  }
  return std::nullopt;
}

// A file's bytes read from a snapshot, as a request body.
class FileBody final : public BodyReader {
 public:
  explicit FileBody(FileStream s) : s_(std::move(s)) {}
  asio::awaitable<Result<size_t>> Read(char* out, size_t max) override {
    if (s_.length == 0) co_return size_t{0};
    std::string chunk;
    Status st = Api::NextChunk(&s_, std::min<size_t>(max, 1 << 20), &chunk);
    if (!st.ok()) co_return st;
    std::copy(chunk.begin(), chunk.end(), out);
    co_return chunk.size();
  }

 private:
  FileStream s_;
};

// x-amz-copy-source-range "bytes=first-last" within size: (offset,
// length); InvalidArgument if it is not of that form, InvalidRange if it is
// not within the source.
std::variant<std::pair<uint64_t, uint64_t>, S3Error> CopyRange(std::string_view v, uint64_t size) {
  if (v.empty()) return std::pair<uint64_t, uint64_t>(0, size);
  S3Error malformed{"InvalidArgument", "x-amz-copy-source-range must be bytes=first-last"};
  if (v.substr(0, 6) != "bytes=") return malformed;
  v.remove_prefix(6);
  size_t dash = v.find('-');
  if (dash == std::string_view::npos) return malformed;
  auto first = ParseU64(v.substr(0, dash));
  auto last = ParseU64(v.substr(dash + 1));
  if (!first || !last || *first > *last) return malformed;
  if (*last >= size) {
    return S3Error{"InvalidRange", "the range " + std::string(v) + " is not within the source's " +
                                       std::to_string(size) + " bytes"};
  }
  return std::pair<uint64_t, uint64_t>(*first, *last - *first + 1);
}

}  // namespace

std::variant<S3Api::CopySource, S3Error> S3Api::ReadCopySource(const Call& c) const {
  auto source = ParseCopySource(c.header("x-amz-copy-source"));
  if (auto* e = std::get_if<S3Error>(&source)) return *e;
  auto& [bucket, key] = std::get<0>(source);
  auto path = ObjectPath(bucket, key);
  if (auto* e = std::get_if<S3Error>(&path)) return *e;
  CopySource s;
  s.path = std::get<std::string>(path);
  if (c.principal) {
    if (Status st = Authorize(*c.principal, {Access::kRead, {s.path}}); !st.ok()) {
      return S3Error{"AccessDenied", st.message()};
    }
  }
  s.snapshot = node_->ReadSnapshot();
  FsView view(s.snapshot.get(), node_->block_bytes());
  auto n = view.Lookup(s.path);
  if (!n.ok() || !*n || (*n)->is_dir()) {
    return S3Error{"NoSuchKey", "the copy source '" + bucket + "/" + key + "' does not exist"};
  }
  auto meta = view.LoadMeta(**n);
  if (!meta.ok()) return S3ErrorFor(meta.status());
  if (auto e = SourcePreconditions(c.headers, **n, S3EtagOf(**n, *meta))) return *e;
  s.node = **n;
  s.meta = std::move(*meta);
  return s;
}

asio::awaitable<HttpResponse> S3Api::UploadPartCopy(const Call& c) {
  const S3Request& r = *c.parsed;
  if (!ValidUploadId(r.Query("uploadId"))) {
    co_return ErrorAnswer(
        c, {"NoSuchUpload", "no upload has the id '" + std::string(r.Query("uploadId")) + "'"});
  }
  auto n = ParseU64(r.Query("partNumber"));
  if (!n || *n < 1 || *n > kMaxPartsPerUpload) {
    co_return ErrorAnswer(c, {"InvalidArgument", "partNumber must be 1 to 10000"});
  }
  auto source = ReadCopySource(c);
  if (auto* e = std::get_if<S3Error>(&source)) co_return ErrorAnswer(c, *e);
  CopySource& s = std::get<CopySource>(source);
  auto copied = CopyRange(c.header("x-amz-copy-source-range"), s.node.inode.size);
  if (auto* e = std::get_if<S3Error>(&copied)) co_return ErrorAnswer(c, *e);
  auto range = std::get<0>(copied);
  HttpRequest put;
  put.method = "PUT";
  put.target =
      "/v1/uploads/" + PercentEncode(r.Query("uploadId"), false) + "/parts/" + std::to_string(*n);
  put.headers.emplace("content-length", std::to_string(range.second));
  put.principal = c.principal;
  put.s3 = S3Call{};
  FileBody body(FileStream{s.snapshot, s.node, range.first, range.second, node_->block_bytes()});
  HttpResponse api = co_await api_->HandleStreamed(std::move(put), body);
  if (api.status == 404) {
    co_return ErrorAnswer(
        c, {"NoSuchUpload", "no upload has the id '" + std::string(r.Query("uploadId")) + "'"});
  }
  if (api.status / 100 != 2) co_return FromApiError(c, api);
  XmlWriter w("CopyPartResult");
  w.Element("LastModified", FormatIsoTime(s.node.inode.mtime_ms));
  w.Element("ETag", std::string(AnswerHeader(api, "ETag")));
  HttpResponse out = XmlAnswer(w.Finish());
  if (auto pos = AnswerHeader(api, "X-Walfs-Position"); !pos.empty()) {
    out.headers.emplace_back("x-walfs-position", std::string(pos));
  }
  co_return out;
}

asio::awaitable<HttpResponse> S3Api::CopyObject(Call& c) {
  const S3Request& r = *c.parsed;
  if (auto e = BucketMissing(c)) co_return ErrorAnswer(c, *e);
  std::string_view directive = c.header("x-amz-metadata-directive");
  if (!directive.empty() && directive != "COPY" && directive != "REPLACE") {
    co_return ErrorAnswer(c, {"InvalidArgument", "x-amz-metadata-directive is COPY or REPLACE"});
  }
  bool replace = directive == "REPLACE";
  FileMeta headers;
  if (replace) {
    auto meta = MetaFromHeaders(c.headers, false);
    if (auto* e = std::get_if<S3Error>(&meta)) co_return ErrorAnswer(c, *e);
    headers = std::move(std::get<FileMeta>(meta));
  }
  auto dest = WriteConditions(c, r.path);
  if (auto* e = std::get_if<S3Error>(&dest)) co_return ErrorAnswer(c, *e);
  // The source as read here, pinned by its version: a source changed
  // before the copy applies is read again (its conditions too).
  HttpResponse api;
  std::string etag;
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto source = ReadCopySource(c);
    if (auto* e = std::get_if<S3Error>(&source)) co_return ErrorAnswer(c, *e);
    const CopySource& s = std::get<CopySource>(source);
    if (s.path == r.path && !replace) {
      co_return ErrorAnswer(
          c, {"InvalidRequest",
              "This copy request is illegal because it is trying to copy an object to itself "
              "without changing the object's metadata, storage class, website redirect location "
              "or encryption attributes."});
    }
    Entry e;
    e.conditions.push_back(Condition::Version(s.path, s.node.inode.version));
    const HeaderMap& dh = std::get<HeaderMap>(dest);
    if (dh.count("if-none-match")) e.conditions.push_back(Condition::Exists(r.path, false));
    if (auto v = dh.find("if-match"); v != dh.end()) {
      auto pos = Position::Parse(std::string_view(v->second).substr(1, v->second.size() - 2));
      if (pos) e.conditions.push_back(Condition::Version(r.path, *pos));
    }
    e.ops.push_back(Op::Copy(s.path, r.path, replace, headers));
    Position pinned = s.node.inode.version;
    std::string from = s.path;
    etag = s.meta.etag;
    api = co_await api_->Propose(std::move(e));
    if (api.status != 412) break;
    // Which condition failed: the source's (it changed: read it again) or
    // the destination's (the client's answer).
    auto now = node_->ReadSnapshot();
    auto again = FsView(now.get(), node_->block_bytes()).Lookup(from);
    if (!again.ok() || !*again || (*again)->inode.version == pinned) break;
  }
  if (api.status / 100 != 2) co_return FromApiError(c, api);
  auto j = nlohmann::json::parse(api.body, nullptr, false);
  std::string version = j.is_object() ? j.value("version", "") : "";
  auto pos = Position::Parse(version);
  XmlWriter w("CopyObjectResult");
  w.Element("LastModified", FormatIsoTime(pos ? pos->ms : 0));
  w.Element("ETag", "\"" + (etag.empty() ? version : etag) + "\"");
  HttpResponse out = XmlAnswer(w.Finish());
  if (auto p = AnswerHeader(api, "X-Walfs-Position"); !p.empty()) {
    out.headers.emplace_back("x-walfs-position", std::string(p));
  }
  co_return out;
}

}  // namespace walfs
