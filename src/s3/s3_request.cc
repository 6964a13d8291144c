#include "s3/s3_request.h"

#include <array>

#include "core/path.h"
#include "http/util.h"

namespace walfs {
namespace {

// Sub-resources of S3 that walfs does not serve: NotImplemented.
constexpr std::array<std::string_view, 24> kUnsupported = {"acl",
                                                           "policy",
                                                           "lifecycle",
                                                           "tagging",
                                                           "cors",
                                                           "website",
                                                           "encryption",
                                                           "object-lock",
                                                           "replication",
                                                           "logging",
                                                           "notification",
                                                           "accelerate",
                                                           "requestPayment",
                                                           "ownershipControls",
                                                           "publicAccessBlock",
                                                           "intelligent-tiering",
                                                           "analytics",
                                                           "metrics",
                                                           "inventory",
                                                           "retention",
                                                           "legal-hold",
                                                           "versions",
                                                           "torrent",
                                                           "select"};

std::optional<std::string_view> UnsupportedIn(const S3Query& q) {
  for (std::string_view s : kUnsupported) {
    if (q.count(s) != 0) return s;
  }
  return std::nullopt;
}

S3Error Err(std::string code, std::string message) {
  return S3Error{std::move(code), std::move(message)};
}

std::optional<S3Op> BucketOp(std::string_view method, const S3Query& q) {
  if (method == "GET") {
    if (q.count("location")) return S3Op::kGetBucketLocation;
    if (q.count("versioning")) return S3Op::kGetBucketVersioning;
    if (q.count("uploads")) return S3Op::kListMultipartUploads;
    auto lt = q.find("list-type");
    if (lt != q.end() && lt->second == "2") return S3Op::kListObjectsV2;
    return S3Op::kListObjects;
  }
  if (method == "HEAD") return S3Op::kHeadBucket;
  // A PUT with a sub-resource configures the bucket (versioning,
  // accelerate, ...): none of that is served.
  if (method == "PUT") return q.empty() ? std::optional(S3Op::kCreateBucket) : std::nullopt;
  if (method == "DELETE") return S3Op::kDeleteBucket;
  if (method == "POST" && q.count("delete")) return S3Op::kDeleteObjects;
  return std::nullopt;
}

std::optional<S3Op> ObjectOp(std::string_view method, const S3Query& q, bool copy) {
  bool upload = q.count("uploadId") != 0;
  if (method == "PUT") {
    if (upload || q.count("partNumber")) return copy ? S3Op::kUploadPartCopy : S3Op::kUploadPart;
    return copy ? S3Op::kCopyObject : S3Op::kPutObject;
  }
  if (method == "GET") return upload ? S3Op::kListParts : S3Op::kGetObject;
  if (method == "HEAD") return S3Op::kHeadObject;
  if (method == "DELETE") return upload ? S3Op::kAbortMultipartUpload : S3Op::kDeleteObject;
  if (method == "POST") {
    if (q.count("uploads")) return S3Op::kCreateMultipartUpload;
    if (upload) return S3Op::kCompleteMultipartUpload;
  }
  return std::nullopt;
}

}  // namespace

std::string_view S3OpName(S3Op op) {
  switch (op) {
    case S3Op::kListBuckets:
      return "ListBuckets";
    case S3Op::kCreateBucket:
      return "CreateBucket";
    case S3Op::kDeleteBucket:
      return "DeleteBucket";
    case S3Op::kHeadBucket:
      return "HeadBucket";
    case S3Op::kGetBucketLocation:
      return "GetBucketLocation";
    case S3Op::kGetBucketVersioning:
      return "GetBucketVersioning";
    case S3Op::kListObjects:
      return "ListObjects";
    case S3Op::kListObjectsV2:
      return "ListObjectsV2";
    case S3Op::kListMultipartUploads:
      return "ListMultipartUploads";
    case S3Op::kDeleteObjects:
      return "DeleteObjects";
    case S3Op::kPutObject:
      return "PutObject";
    case S3Op::kCopyObject:
      return "CopyObject";
    case S3Op::kGetObject:
      return "GetObject";
    case S3Op::kHeadObject:
      return "HeadObject";
    case S3Op::kDeleteObject:
      return "DeleteObject";
    case S3Op::kCreateMultipartUpload:
      return "CreateMultipartUpload";
    case S3Op::kUploadPart:
      return "UploadPart";
    case S3Op::kUploadPartCopy:
      return "UploadPartCopy";
    case S3Op::kCompleteMultipartUpload:
      return "CompleteMultipartUpload";
    case S3Op::kAbortMultipartUpload:
      return "AbortMultipartUpload";
    case S3Op::kListParts:
      return "ListParts";
  }
  return "Unknown";
}

std::string S3Request::resource() const {
  if (bucket.empty()) return "/";
  return "/" + bucket + (key.empty() ? "" : "/" + key);
}

std::optional<S3Error> CheckBucketName(std::string_view n) {
  auto bad = [&n](std::string why) {
    return Err("InvalidBucketName", "the bucket name '" + std::string(n) + "' " + why);
  };
  if (n.size() < 3 || n.size() > 63) return bad("must be 3 to 63 characters long");
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : n) {
    if (!alnum(c) && c != '-' && c != '.') {
      return bad("may hold only lower-case letters, digits, '-' and '.'");
    }
  }
  if (!alnum(n.front()) || !alnum(n.back()))
    return bad("must begin and end with a letter or digit");
  if (n.find("..") != std::string_view::npos) return bad("must not hold two adjacent dots");
  bool ip = true;
  int dots = 0;
  for (char c : n) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      ip = false;
    }
  }
  if (ip && dots == 3) return bad("must not be an IP address");
  return std::nullopt;
}

std::variant<std::string, S3Error> ObjectPath(std::string_view bucket, std::string_view key) {
  if (key.empty()) return Err("InvalidArgument", "the key is empty");
  if (key.size() > 1024) return Err("KeyTooLongError", "the key is over 1024 bytes");
  std::string_view k = key;
  if (k.back() == '/') k.remove_suffix(1);
  // Every component must be a file name: no empty one ("a//b", "/a"), no
  // "." or "..".
  size_t start = 0;
  while (start <= k.size()) {
    size_t slash = k.find('/', start);
    std::string_view c = k.substr(start, slash == std::string_view::npos ? k.npos : slash - start);
    if (c.empty()) {
      return Err("InvalidArgument", "the key '" + std::string(key) +
                                        "' has an empty component (a leading '/' or '//'), which "
                                        "a file system cannot hold");
    }
    if (c == "." || c == "..") {
      return Err("InvalidArgument", "the key '" + std::string(key) + "' has a '" + std::string(c) +
                                        "' component, which a file system cannot hold");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  auto path = NormalizePath("/" + std::string(bucket) + "/" + std::string(k));
  if (!path.ok()) {
    return Err("InvalidArgument",
               "the key '" + std::string(key) + "' cannot be a path: " + path.status().message());
  }
  return *path;
}

std::variant<S3Request, S3Error> ParseS3Request(const HttpRequest& req, std::string_view domain) {
  S3Request r;
  std::string_view target = req.target;
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  if (q != std::string_view::npos) {
    auto query = ParseQuery(target.substr(q + 1));
    if (!query.ok()) return Err("InvalidArgument", "the query has a malformed %-escape");
    r.query = std::move(query).value();
  }
  if (raw_path.empty() || raw_path.front() != '/') {
    return Err("InvalidRequest", "the request target must begin with '/'");
  }
  auto decoded = PercentDecode(raw_path.substr(1));
  if (!decoded.ok()) return Err("InvalidArgument", "the path has a malformed %-escape");
  std::string rest = std::move(decoded).value();
  // Virtual-hosted style: the bucket is the Host's first label.
  std::string_view host = req.header("host");
  host = host.substr(0, host.rfind(':') == std::string_view::npos || host.back() == ']'
                            ? host.size()
                            : host.rfind(':'));
  if (!domain.empty() && host.size() > domain.size() + 1 &&
      host.substr(host.size() - domain.size()) == domain &&
      host[host.size() - domain.size() - 1] == '.') {
    r.bucket = std::string(host.substr(0, host.size() - domain.size() - 1));
    r.key = std::move(rest);
  } else {
    size_t slash = rest.find('/');
    r.bucket = rest.substr(0, slash);
    r.key = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
  }
  if (auto u = UnsupportedIn(r.query)) {
    return Err("NotImplemented", "walfs does not implement the '" + std::string(*u) +
                                     "' sub-resource (s3.md lists what it serves)");
  }
  std::string_view m = req.method;
  if (r.bucket.empty() && !r.key.empty()) {
    return Err("InvalidBucketName", "the request names a key but no bucket (a path of '//')");
  }
  if (r.bucket.empty()) {
    if (m != "GET") return Err("MethodNotAllowed", "the service takes only GET (ListBuckets)");
    r.op = S3Op::kListBuckets;
    r.path = "/";
    return r;
  }
  if (auto e = CheckBucketName(r.bucket)) {
    // A request on an existing object with a bad bucket name cannot be;
    // creating one is what the rules are for.
    return *e;
  }
  if (r.key.empty()) {
    auto op = BucketOp(m, r.query);
    if (!op && m == "PUT") {
      return Err("NotImplemented", "walfs does not implement the '" + r.query.begin()->first +
                                       "' configuration of a bucket");
    }
    if (!op) return Err("MethodNotAllowed", "a bucket does not take " + std::string(m));
    r.op = *op;
    r.path = "/" + r.bucket;
    return r;
  }
  auto op = ObjectOp(m, r.query, !req.header("x-amz-copy-source").empty());
  if (!op) return Err("MethodNotAllowed", "an object does not take " + std::string(m) + " here");
  r.op = *op;
  auto path = ObjectPath(r.bucket, r.key);
  if (auto* e = std::get_if<S3Error>(&path)) return *e;
  r.path = std::get<std::string>(std::move(path));
  r.directory_key = r.key.back() == '/';
  return r;
}

}  // namespace walfs
