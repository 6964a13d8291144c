// S3Api: admission, dispatch, and the translation to and from the HTTP API.
#include "s3/s3_api.h"

#include "http/waits.h"
#include "s3/checked_body.h"

#include <nlohmann/json.hpp>

#include "auth/authorize.h"
#include "auth/crypto.h"
#include "core/hash.h"
#include "core/path.h"
#include "http/message.h"
#include "http/util.h"
#include "s3/s3_call.h"
#include "s3/xml.h"

namespace walfs {
namespace asio = boost::asio;

namespace {

S3Error AuthError(const AuthVerdict& v) {
  switch (v.sigv4_error) {
    case SigV4Error::kUnknownKey:
      return {"InvalidAccessKeyId", v.message};
    case SigV4Error::kBadSignature:
      return {"SignatureDoesNotMatch", v.message};
    case SigV4Error::kSkewed:
      return {"RequestTimeTooSkewed", v.message};
    case SigV4Error::kMalformed:
      return {"AuthorizationHeaderMalformed", v.message};
    case SigV4Error::kExpired:
      return {"AccessDenied", "Request has expired: " + v.message};
    case SigV4Error::kOk:
      break;
  }
  return {"AccessDenied", v.message};
}

// What an S3 request asks of its principal (auth/authorize.h).
// Encryption at rest is not walfs's: a request that asks for it is refused
// (NotImplemented) rather than stored in the clear.
std::optional<S3Error> EncryptionAsked(const HeaderMap& headers) {
  for (std::string_view h :
       {"x-amz-server-side-encryption", "x-amz-server-side-encryption-customer-algorithm",
        "x-amz-server-side-encryption-aws-kms-key-id",
        "x-amz-copy-source-server-side-encryption-customer-algorithm"}) {
    if (headers.count(h) != 0) {
      return S3Error{"NotImplemented",
                     "walfs does not encrypt objects at rest (" + std::string(h) + ")"};
    }
  }
  return std::nullopt;
}

// Whether a query names a part of a multipart upload (UploadPart).
bool IsPartTarget(std::string_view query) {
  bool upload = false, part = false;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view name = query.substr(0, std::min(amp, query.find('=')));
    upload = upload || name == "uploadId";
    part = part || name == "partNumber";
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return upload && part;
}

AccessRequest AccessOf(const S3Request& r) {
  switch (r.op) {
    case S3Op::kListBuckets:
      return {Access::kRead, {}};  // each bucket is filtered by the principal's prefixes
    case S3Op::kHeadBucket:
    case S3Op::kGetBucketLocation:
    case S3Op::kGetBucketVersioning:
    case S3Op::kListMultipartUploads:
    case S3Op::kGetObject:
    case S3Op::kHeadObject:
    case S3Op::kListParts:
      return {Access::kRead, {r.path}};
    case S3Op::kDeleteObjects:
      return {Access::kWrite, {}};  // each key is decided on its own
    case S3Op::kListObjects:
    case S3Op::kListObjectsV2: {
      // The deepest directory the prefix names whole.
      std::string prefix(r.Query("prefix"));
      size_t slash = prefix.rfind('/');
      auto p =
          NormalizePath(r.path + "/" + (slash == std::string::npos ? "" : prefix.substr(0, slash)));
      return {Access::kRead, {p.ok() ? *p : r.path}};
    }
    default:
      return {Access::kWrite, {r.path}};
  }
}

}  // namespace

S3Api::S3Api(NodePort* node, Api* api, AuthGate* gate) : node_(node), api_(api), gate_(gate) {}

Frontend::Admission S3Api::Admit(const HttpRequest& head, std::string_view client, int64_t now_ms) {
  Admission a;
  if (gate_ == nullptr) {
    // No authentication: signatures are not checked, but an aws-chunked
    // body (what newer SDKs send) is still decoded, its framing never
    // stored as the object's bytes.
    std::string_view sha = head.header("x-amz-content-sha256");
    if (sha.substr(0, 10) == "STREAMING-") {
      PayloadCheck& p = a.identity.payload;
      p.kind = PayloadCheck::Kind::kChunked;
      p.chunk_signatures = sha.substr(0, 34) == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
      p.trailer = sha.size() >= 8 && sha.substr(sha.size() - 8) == "-TRAILER";
      p.unverified = true;
      p.decoded_length = ParseU64(head.header("x-amz-decoded-content-length"));
    }
    return a;
  }
  Call c = Call::Start(head, node_->options());
  AuthGate::Credentials cr = gate_->Check(head, client, now_ms);
  if (cr.blocked) {
    HttpResponse r = ErrorAnswer(c, {"SlowDown",
                                     "too many failed authentications from this address in the "
                                     "last minute; try again later"});
    r.headers.emplace_back("Retry-After", "60");
    a.refusal = std::move(r);
    return a;
  }
  if (!cr.verdict.ok) {
    a.refusal = ErrorAnswer(c, AuthError(cr.verdict));
    return a;
  }
  if (!cr.verdict.identity.principal) {
    bool v2 = head.header("authorization").substr(0, 4) == "AWS " ||
              head.target.find("AWSAccessKeyId=") != std::string::npos;
    a.refusal = ErrorAnswer(
        c, {"AccessDenied", v2 ? "AWS Signature Version 2 is not supported: sign with Version 4 "
                                 "(s3v4)"
                               : "anonymous requests are not allowed: sign them with an access "
                                 "key (AWS Signature Version 4)"});
    return a;
  }
  if (c.parsed) {
    if (Status st = Authorize(*cr.verdict.identity.principal, AccessOf(*c.parsed)); !st.ok()) {
      a.refusal = ErrorAnswer(c, {"AccessDenied", st.message()});
      return a;
    }
  }
  a.identity = std::move(cr.verdict.identity);
  return a;
}

bool S3Api::StreamsBody(std::string_view method, std::string_view target,
                        std::optional<uint64_t> length) const {
  // A PutObject whose body may not fit one entry is streamed, as the HTTP
  // API streams a PUT, and so is every part of a multipart upload; a bucket
  // request's and another sub-resource's bodies are small XML documents.
  if (method != "PUT") return false;
  if (size_t q = target.find('?'); q != std::string_view::npos) {
    return IsPartTarget(target.substr(q + 1));
  }
  std::string_view path = target.substr(1);
  if (path.find('/') == std::string_view::npos || path.find('/') + 1 == path.size()) return false;
  return !length || *length > node_->options().entry_bytes_max;
}

uint64_t S3Api::BodyLimit(std::string_view target, bool streamed) const {
  if (size_t q = target.find('?'); streamed && q != std::string_view::npos) {
    if (IsPartTarget(target.substr(q + 1))) return node_->options().part_bytes_max;
  }
  return streamed ? node_->options().file_bytes_max : node_->options().entry_bytes_max;
}

std::string_view S3Api::MetricsRoute(std::string_view method, std::string_view target) const {
  return "s3";
}

HttpResponse S3Api::SessionError(int status, std::string_view code,
                                 const std::string& message) const {
  Call c;
  c.request_id = NewRequestId();
  std::string s3 = status == 413                    ? "EntityTooLarge"
                   : status == 503 || status == 429 ? "SlowDown"
                   : status == 500                  ? "InternalError"
                   : status == 401 || status == 403 ? "AccessDenied"
                                                    : "InvalidRequest";
  return ErrorAnswer(c, {s3, message});
}

HttpResponse S3Api::Refuse(const HttpRequest& req, const S3Error& e) const {
  Call c = Call::Start(req, node_->options());
  return ErrorAnswer(c, e);
}

HttpResponse S3Api::ErrorAnswer(const Call& c, const S3Error& e) const {
  HttpResponse r;
  r.status = S3StatusFor(e.code);
  r.headers.emplace_back("x-amz-request-id", c.request_id);
  if (c.head) return r;  // HEAD: the status says it all
  XmlWriter w("Error", "");
  w.Element("Code", e.code);
  w.Element("Message", e.message);
  w.Element("Resource", c.parsed ? c.parsed->resource() : c.target_path);
  w.Element("RequestId", c.request_id);
  r.body = w.Finish();
  r.headers.emplace_back("Content-Type", "application/xml");
  return r;
}

std::optional<S3Error> S3Api::BucketMissing(const Call& c) const {
  auto snap = node_->ReadSnapshot();
  FsView view(snap.get(), node_->block_bytes());
  auto n = view.Lookup("/" + c.parsed->bucket);
  if (n.ok() && *n && (*n)->is_dir()) return std::nullopt;
  return S3Error{"NoSuchBucket", "the bucket '" + c.parsed->bucket + "' does not exist"};
}

HttpResponse S3Api::FromApiError(const Call& c, const HttpResponse& api) const {
  auto j = nlohmann::json::parse(api.body, nullptr, false);
  std::string name = j.is_object() ? j.value("error", "") : "";
  std::string message = j.is_object() ? j.value("message", "") : "";
  auto code = CodeFromName(name);
  if (!code) {
    // A body-less answer (HEAD): its status says what happened.
    switch (api.status) {
      case 404:
        code = Code::kNotFound;
        break;
      case 412:
        code = Code::kPreconditionFailed;
        break;
      case 416:
        code = Code::kInvalidRange;
        break;
      case 403:
        code = Code::kForbidden;
        break;
      case 409:
        code = Code::kAlreadyExists;
        break;
      case 503:
        code = Code::kNotReady;
        break;
      default:
        code = api.status / 100 == 4 ? Code::kBadRequest : Code::kInternal;
    }
  }
  S3Error e = S3ErrorFor(Status(*code, message));
  if (e.code == "NoSuchKey" && (c.parsed->key.empty() || BucketMissing(c))) {
    e = {"NoSuchBucket", "the bucket '" + c.parsed->bucket + "' does not exist"};
  }
  return ErrorAnswer(c, e);
}

asio::awaitable<HttpResponse> S3Api::CallApi(const Call& c, std::string method,
                                             std::string_view path, std::string query,
                                             HeaderMap headers, std::string body, S3Call s3) {
  // Built outside the co_await: g++ 12 mishandles a conditional's
  // temporaries inside one.
  std::string target = "/v1/fs" + PercentEncode(path, true);
  if (!query.empty()) target += "?" + query;
  co_return co_await CallTarget(c, std::move(method), std::move(target), std::move(headers),
                                std::move(body), std::move(s3));
}

asio::awaitable<HttpResponse> S3Api::CallTarget(const Call& c, std::string method,
                                                std::string target, HeaderMap headers,
                                                std::string body, S3Call s3) {
  HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.headers = std::move(headers);
  req.body = std::move(body);
  req.principal = c.principal;
  req.s3 = std::move(s3);
  co_return co_await api_->Handle(std::move(req));
}

asio::awaitable<HttpResponse> S3Api::Handle(HttpRequest req) {
  Call c = Call::Start(req, node_->options());
  if (!c.parsed) co_return ErrorAnswer(c, c.error);
  c.principal = req.principal;
  c.body = std::move(req.body);
  c.headers = std::move(req.headers);
  HttpResponse r = co_await Dispatch(c);
  r.headers.emplace_back("x-amz-request-id", c.request_id);
  co_return r;
}

asio::awaitable<HttpResponse> S3Api::HandleStreamed(HttpRequest req, BodyReader& body) {
  // A large PutObject: the HTTP API's streamed PUT of the same path.
  Call c = Call::Start(req, node_->options());
  if (!c.parsed) co_return ErrorAnswer(c, c.error);
  c.principal = req.principal;
  c.headers = req.headers;
  if (auto e = EncryptionAsked(c.headers)) co_return ErrorAnswer(c, *e);
  if (c.parsed->op == S3Op::kUploadPart || c.parsed->op == S3Op::kUploadPartCopy) {
    HttpResponse r;
    if (c.parsed->op == S3Op::kUploadPart) {
      r = co_await UploadPart(c, req, body);
    } else {
      r = co_await UploadPartCopy(c);
    }
    r.headers.emplace_back("x-amz-request-id", c.request_id);
    co_return r;
  }
  if (c.parsed->op != S3Op::kPutObject) {
    co_return ErrorAnswer(c, {"NotImplemented", "this request cannot have a streamed body"});
  }
  if (auto e = BucketMissing(c)) co_return ErrorAnswer(c, *e);
  auto digests = BodyDigestsOf(c.headers);
  if (auto* e = std::get_if<S3Error>(&digests)) co_return ErrorAnswer(c, *e);
  auto meta = MetaFromHeaders(c.headers, true);
  if (auto* e = std::get_if<S3Error>(&meta)) co_return ErrorAnswer(c, *e);
  auto conditions = WriteConditions(c, c.parsed->path);
  if (auto* e = std::get_if<S3Error>(&conditions)) co_return ErrorAnswer(c, *e);
  HttpRequest put;
  put.method = "PUT";
  put.target = "/v1/fs" + PercentEncode(c.parsed->path, true);
  put.headers = std::move(std::get<HeaderMap>(conditions));
  if (auto v = req.header("content-length"); !v.empty()) put.headers.emplace("content-length", v);
  put.principal = req.principal;
  // Its ETag: the MD5 of the body, which the API computes as it stages it.
  put.s3 = S3Call{std::move(std::get<FileMeta>(meta)), {}, true};
  // Content-MD5 and a checksum, checked as the body is staged: a body that
  // differs is never committed.
  CheckedBody checked(body, std::get<BodyDigests>(digests));
  HttpResponse api = co_await api_->HandleStreamed(std::move(put), checked);
  if (checked.failure()) co_return ErrorAnswer(c, *checked.failure());
  HttpResponse r = api.status / 100 == 2 ? PutAnswer(api) : FromApiError(c, api);
  r.headers.emplace_back("x-amz-request-id", c.request_id);
  co_return r;
}

asio::awaitable<std::optional<S3Error>> S3Api::ReadBarrier(const Call& c) {
  const ServerOptions& o = node_->options();
  std::string_view min = c.header("x-walfs-min-position");
  if (min.empty() && !o.s3_strong) co_return std::nullopt;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(o.wait_timeout_ms_default);
  Position target;
  if (!min.empty()) {
    auto p = Position::Parse(min);
    if (!p) co_return S3Error{"InvalidArgument", "x-walfs-min-position is not a position"};
    target = *p;
  }
  if (o.s3_strong) {
    // This replica's position before the log is asked: a sound log's tail,
    // read after, is at or past it.
    Position applied = node_->applied();
    auto tail = co_await AwaitTail(*node_, deadline);
    if (!tail.ok()) co_return S3ErrorFor(tail.status());
    if (*tail < applied) {
      co_return S3Error{"ServiceUnavailable", "the log's last position " + tail->ToString() +
                                                  " is below this replica's " + applied.ToString() +
                                                  ": the log lost entries"};
    }
    target = std::max(target, *tail);
  }
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  uint32_t left_ms = static_cast<uint32_t>(std::max<int64_t>(0, left.count()));
  if (!co_await WaitApplied(*node_, target, left_ms)) {
    co_return S3Error{"ServiceUnavailable",
                      "this replica had not applied " + target.ToString() + " in time"};
  }
  co_return std::nullopt;
}

asio::awaitable<HttpResponse> S3Api::Dispatch(Call& c) {
  if (auto e = EncryptionAsked(c.headers)) co_return ErrorAnswer(c, *e);
  switch (c.parsed->op) {
    case S3Op::kListBuckets:
    case S3Op::kHeadBucket:
    case S3Op::kGetBucketLocation:
    case S3Op::kListObjects:
    case S3Op::kListObjectsV2:
    case S3Op::kListMultipartUploads:
    case S3Op::kListParts:
    case S3Op::kGetObject:
    case S3Op::kHeadObject: {
      // (Only a read that waits pays for the coroutine.)
      if (!node_->options().s3_strong && c.header("x-walfs-min-position").empty()) break;
      auto barrier = co_await ReadBarrier(c);
      if (barrier) co_return ErrorAnswer(c, *barrier);
      break;
    }
    default:
      break;
  }
  switch (c.parsed->op) {
    case S3Op::kListBuckets:
      co_return ListBuckets(c);
    case S3Op::kCreateBucket:
      co_return co_await CreateBucket(c);
    case S3Op::kDeleteBucket:
      co_return co_await DeleteBucket(c);
    case S3Op::kHeadBucket:
      co_return HeadBucket(c);
    case S3Op::kGetBucketLocation: {
      if (auto e = BucketMissing(c)) co_return ErrorAnswer(c, *e);
      // S3 answers its first region with an empty constraint.
      const std::string& region = node_->options().s3_region;
      XmlWriter w("LocationConstraint");
      if (region != "us-east-1") w.Text(region);
      co_return XmlAnswer(w.Finish());
    }
    case S3Op::kGetBucketVersioning: {
      if (auto e = BucketMissing(c)) co_return ErrorAnswer(c, *e);
      co_return XmlAnswer(XmlWriter("VersioningConfiguration").Finish());
    }
    case S3Op::kListObjects:
    case S3Op::kListObjectsV2:
      co_return ListObjects(c);
    case S3Op::kPutObject:
      co_return co_await PutObject(c);
    case S3Op::kGetObject:
    case S3Op::kHeadObject:
      co_return co_await GetObject(c);
    case S3Op::kDeleteObject:
      co_return co_await DeleteObject(c);
    case S3Op::kDeleteObjects:
      co_return co_await DeleteObjects(c);
    case S3Op::kCopyObject:
      co_return co_await CopyObject(c);
    case S3Op::kCreateMultipartUpload:
      co_return co_await CreateMultipartUpload(c);
    case S3Op::kCompleteMultipartUpload:
      co_return co_await CompleteMultipartUpload(c);
    case S3Op::kAbortMultipartUpload:
      co_return co_await AbortMultipartUpload(c);
    case S3Op::kListParts:
      co_return co_await ListParts(c);
    case S3Op::kListMultipartUploads:
      co_return co_await ListMultipartUploads(c);
    default:
      co_return ErrorAnswer(c, {"NotImplemented", std::string(S3OpName(c.parsed->op)) +
                                                      " is not served by this walfs yet"});
  }
}

}  // namespace walfs
