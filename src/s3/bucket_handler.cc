// S3Api's bucket operations: ListBuckets, CreateBucket, DeleteBucket,
// HeadBucket, and the listings (ListObjects v1 and v2).
#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include "auth/authorize.h"
#include "auth/crypto.h"
#include "core/hash.h"
#include "core/path.h"
#include "http/util.h"
#include "s3/listing.h"
#include "s3/s3_api.h"
#include "s3/s3_call.h"
#include "s3/xml.h"

namespace walfs {
namespace asio = boost::asio;

namespace {

// A bucket the principal may see: one its prefixes cover, or one that
// holds a prefix of its.
bool Visible(const Principal* p, const std::string& path) {
  if (p == nullptr) return true;
  if (Covers(*p, path)) return true;
  for (const auto& prefix : p->prefixes) {
    if (IsSameOrBeneath(prefix, path)) return true;
  }
  return false;
}

std::string Etag(const Node& n) { return "\"" + n.inode.version.ToString() + "\""; }

}  // namespace

HttpResponse S3Api::ListBuckets(Call& c) const {
  const S3Request& r = *c.parsed;
  // Pages (max-buckets, continuation-token: the hex of the last name
  // given) and a prefix, as S3 has them since 2024; all at once without.
  uint64_t max = 10000;
  if (r.Has("max-buckets")) {
    auto m = ParseU64(r.Query("max-buckets"));
    if (!m || *m < 1 || *m > 10000) {
      return ErrorAnswer(c, {"InvalidArgument", "max-buckets must be 1 to 10000"});
    }
    max = *m;
  }
  std::string after;
  if (r.Has("continuation-token")) {
    auto t = FromHex(r.Query("continuation-token"));
    if (!t)
      return ErrorAnswer(c, {"InvalidArgument", "the continuation-token is not one walfs gave"});
    after = *t;
  }
  std::string prefix(r.Query("prefix"));
  auto snap = node_->ReadSnapshot();
  FsView view(snap.get(), node_->block_bytes());
  XmlWriter w("ListAllMyBucketsResult");
  w.Open("Owner");
  std::string owner = c.principal ? c.principal->name : "walfs";
  w.Element("ID", owner);
  w.Element("DisplayName", owner);
  w.Close();
  w.Open("Buckets");
  uint64_t listed = 0;
  std::string last;
  bool truncated = false;
  for (bool more = true; more && !truncated;) {
    std::vector<DirEntry> page;
    if (Status st = view.List(kRootInode, after, 1000, &page, &more); !st.ok()) {
      return ErrorAnswer(c, S3ErrorFor(st));
    }
    if (page.empty()) break;
    after = page.back().name;
    for (const auto& e : page) {
      if (!e.node.is_dir() || CheckBucketName(e.name)) continue;
      if (!Visible(c.principal.get(), "/" + e.name)) continue;
      if (e.name.compare(0, prefix.size(), prefix) != 0) continue;
      if (listed == max) {
        truncated = true;
        break;
      }
      w.Open("Bucket");
      w.Element("Name", e.name);
      w.Element("CreationDate", FormatIsoTime(e.node.inode.mtime_ms));
      w.Close();
      ++listed;
      last = e.name;
    }
  }
  w.Close();
  if (truncated) w.Element("ContinuationToken", ToHex(last));
  if (r.Has("prefix")) w.Element("Prefix", prefix);
  return XmlAnswer(w.Finish());
}

asio::awaitable<HttpResponse> S3Api::CreateBucket(Call& c) {
  if (!c.body.empty() && !ParseXml(c.body)) {
    co_return ErrorAnswer(c, {"MalformedXML", "the CreateBucketConfiguration is not well-formed"});
  }
  HttpResponse api = co_await CallApi(c, "POST", c.parsed->path, "op=mkdir", {}, "");
  if (api.status == 200) {
    co_return ErrorAnswer(
        c, {"BucketAlreadyOwnedByYou", "the bucket '" + c.parsed->bucket + "' already exists"});
  }
  if (api.status != 201) {
    HttpResponse e = FromApiError(c, api);
    co_return e.status == 400
        ? ErrorAnswer(
              c, {"BucketAlreadyExists", "'/" + c.parsed->bucket + "' is a file, not a bucket"})
        : e;
  }
  HttpResponse r;
  r.headers.emplace_back("Location", "/" + c.parsed->bucket);
  if (auto pos = AnswerHeader(api, "X-Walfs-Position"); !pos.empty()) {
    r.headers.emplace_back("x-walfs-position", std::string(pos));
  }
  co_return r;
}

asio::awaitable<HttpResponse> S3Api::DeleteBucket(Call& c) {
  if (auto e = BucketMissing(c)) co_return ErrorAnswer(c, *e);
  HttpResponse api = co_await CallApi(c, "DELETE", c.parsed->path, "", {}, "");
  if (api.status / 100 != 2) co_return FromApiError(c, api);
  HttpResponse r;
  r.status = 204;
  if (auto pos = AnswerHeader(api, "X-Walfs-Position"); !pos.empty()) {
    r.headers.emplace_back("x-walfs-position", std::string(pos));
  }
  co_return r;
}

HttpResponse S3Api::HeadBucket(Call& c) const {
  if (auto e = BucketMissing(c)) return ErrorAnswer(c, *e);
  HttpResponse r;
  r.headers.emplace_back("x-amz-bucket-region", node_->options().s3_region);
  return r;
}

HttpResponse S3Api::ListObjects(Call& c) const {
  const S3Request& r = *c.parsed;
  bool v2 = r.op == S3Op::kListObjectsV2;
  ListingQuery q;
  q.prefix = std::string(r.Query("prefix"));
  q.delimiter = std::string(r.Query("delimiter"));

  if (r.Has("max-keys")) {
    auto n = ParseU64(r.Query("max-keys"));
    if (!n) return ErrorAnswer(c, {"InvalidArgument", "max-keys must be a number"});
    q.max_keys = std::min<uint64_t>(*n, 1000);
  }
  std::string_view encoding = r.Query("encoding-type");
  if (!encoding.empty() && encoding != "url") {
    return ErrorAnswer(c, {"InvalidArgument", "encoding-type must be url"});
  }
  bool url = encoding == "url";
  auto enc = [url](std::string_view s) { return url ? PercentEncode(s, true) : std::string(s); };
  std::string token;
  if (v2) {
    if (r.Has("continuation-token")) {
      auto t = FromHex(r.Query("continuation-token"));
      if (!t) return ErrorAnswer(c, {"InvalidArgument", "the continuation token is not valid"});
      token = *t;
      q.after = token;
    }
    q.after = std::max(q.after, std::string(r.Query("start-after")));
  } else {
    q.after = std::string(r.Query("marker"));
  }
  auto snap = node_->ReadSnapshot();
  FsView view(snap.get(), node_->block_bytes());
  auto listing = ListBucket(view, r.path, q);
  if (!listing.ok()) {
    if (listing.status().code() == Code::kNotFound) {
      return ErrorAnswer(c, {"NoSuchBucket", "the bucket '" + r.bucket + "' does not exist"});
    }
    return ErrorAnswer(c, S3ErrorFor(listing.status()));
  }
  XmlWriter w("ListBucketResult");
  w.Element("Name", r.bucket);
  w.Element("Prefix", enc(q.prefix));
  if (v2) {
    if (r.Has("continuation-token")) w.Element("ContinuationToken", r.Query("continuation-token"));
    if (r.Has("start-after")) w.Element("StartAfter", enc(r.Query("start-after")));
    w.Element("KeyCount",
              std::to_string(listing->contents.size() + listing->common_prefixes.size()));
  } else {
    w.Element("Marker", enc(q.after));
  }
  w.Element("MaxKeys", std::to_string(q.max_keys));
  if (!q.delimiter.empty()) w.Element("Delimiter", q.delimiter);
  if (url) w.Element("EncodingType", "url");
  w.Element("IsTruncated", listing->truncated ? "true" : "false");
  if (listing->truncated) {
    if (v2) {
      w.Element("NextContinuationToken", ToHex(listing->last));
    } else if (!q.delimiter.empty()) {
      w.Element("NextMarker", enc(listing->last));
    }
  }
  bool owner = !v2 || r.Query("fetch-owner") == "true";
  for (const auto& k : listing->contents) {
    w.Open("Contents");
    w.Element("Key", enc(k.key));
    w.Element("LastModified", FormatIsoTime(k.node.inode.mtime_ms));
    w.Element("ETag", Etag(k.node));
    w.Element("Size", std::to_string(k.node.is_dir() ? 0 : k.node.inode.size));
    w.Element("StorageClass", "STANDARD");
    if (owner) {
      w.Open("Owner");
      w.Element("ID", "walfs");
      w.Element("DisplayName", "walfs");
      w.Close();
    }
    w.Close();
  }
  for (const auto& p : listing->common_prefixes) {
    w.Open("CommonPrefixes");
    w.Element("Prefix", enc(p));
    w.Close();
  }
  return XmlAnswer(w.Finish());
}

}  // namespace walfs
