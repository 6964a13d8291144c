// S3Api: the S3-compatible endpoint (s3.md), a Frontend over the same
// replica as the HTTP API. An S3 request is parsed (s3_request.h), its
// credentials checked with the same verifier and principals, and it is
// carried out as the HTTP API's own requests (Api): a PutObject is the
// API's PUT of /bucket/key, a CreateBucket its mkdir, so that every write
// becomes the same log entries with the same guarantees, and the answers
// are turned into S3's (XML bodies, S3's headers and error codes). Reads
// that S3 shapes its own way (listings) read a store snapshot directly.
//
// Handlers: bucket_handler.cc (buckets, listings), object_handler.cc
// (objects).
// Thread-safety: as Api: immutable after construction, Handle reentrant.
#pragma once

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <string>
#include <variant>

#include "http/api.h"
#include "http/auth_gate.h"
#include "http/frontend.h"
#include "s3/s3_error.h"
#include "s3/s3_request.h"

namespace walfs {

class S3Api final : public Frontend {
 public:
  // api: the HTTP API of the same node, which carries out the requests.
  // gate: authentication (null: none; signatures are then not checked).
  S3Api(NodePort* node, Api* api, AuthGate* gate);

  Admission Admit(const HttpRequest& head, std::string_view client, int64_t now_ms) override;
  bool StreamsBody(std::string_view method, std::string_view target,
                   std::optional<uint64_t> length) const override;
  uint64_t BodyLimit(std::string_view target, bool streamed) const override;
  boost::asio::awaitable<HttpResponse> Handle(HttpRequest req) override;
  boost::asio::awaitable<HttpResponse> HandleStreamed(HttpRequest req, BodyReader& body) override;
  HttpResponse SessionError(int status, std::string_view code,
                            const std::string& message) const override;
  std::string_view MetricsRoute(std::string_view method, std::string_view target) const override;

  // An S3 error answer to req, handled by no S3Api (volume/s3_volume_front.h).
  HttpResponse Refuse(const HttpRequest& req, const S3Error& e) const;

 private:
  struct Call;  // one request being answered: the parsed request, its id

  boost::asio::awaitable<HttpResponse> Dispatch(Call& c);
  // For a read: waits until this replica has applied x-walfs-min-position
  // and, with --s3-consistency strong, the log's last entry; the error if
  // it cannot.
  boost::asio::awaitable<std::optional<S3Error>> ReadBarrier(const Call& c);
  // Buckets (bucket_handler.cc).
  HttpResponse ListBuckets(Call& c) const;
  boost::asio::awaitable<HttpResponse> CreateBucket(Call& c);
  boost::asio::awaitable<HttpResponse> DeleteBucket(Call& c);
  HttpResponse HeadBucket(Call& c) const;
  HttpResponse ListObjects(Call& c) const;
  // Objects (object_handler.cc).
  boost::asio::awaitable<HttpResponse> PutObject(Call& c);
  boost::asio::awaitable<HttpResponse> GetObject(Call& c);
  boost::asio::awaitable<HttpResponse> DeleteObject(Call& c);
  boost::asio::awaitable<HttpResponse> DeleteObjects(Call& c);
  // Copies (copy_handler.cc).
  boost::asio::awaitable<HttpResponse> CopyObject(Call& c);
  boost::asio::awaitable<HttpResponse> UploadPartCopy(const Call& c);
  // x-amz-copy-source read on a snapshot: the principal's right to read
  // it, the file, and its x-amz-copy-source-if-* conditions.
  struct CopySource {
    std::string path;
    std::shared_ptr<const StoreReader> snapshot;
    Node node;
    FileMeta meta;
  };
  std::variant<CopySource, S3Error> ReadCopySource(const Call& c) const;
  // Multipart uploads (multipart_handler.cc).
  boost::asio::awaitable<HttpResponse> CreateMultipartUpload(Call& c);
  boost::asio::awaitable<HttpResponse> UploadPart(const Call& c, const HttpRequest& req,
                                                  BodyReader& body);
  boost::asio::awaitable<HttpResponse> CompleteMultipartUpload(Call& c);
  boost::asio::awaitable<HttpResponse> AbortMultipartUpload(Call& c);
  boost::asio::awaitable<HttpResponse> ListParts(Call& c);
  boost::asio::awaitable<HttpResponse> ListMultipartUploads(Call& c);
  // Deletes the key at path (and the directories it empties): the
  // position of the last change (empty if none), or the error answer.
  boost::asio::awaitable<std::variant<std::string, HttpResponse>> DeleteKey(
      const Call& c, const std::string& bucket, const std::string& path);

  // The HTTP API's answer to method on /v1/fs<path><query>, with the
  // request's principal and the given headers and body.
  // (No default arguments: g++ 12 miscompiles them in coroutines.)
  boost::asio::awaitable<HttpResponse> CallApi(const Call& c, std::string method,
                                               std::string_view path, std::string query,
                                               HeaderMap headers, std::string body, S3Call s3);
  boost::asio::awaitable<HttpResponse> CallApi(const Call& c, std::string method,
                                               std::string_view path, std::string query,
                                               HeaderMap headers, std::string body) {
    return CallApi(c, std::move(method), path, std::move(query), std::move(headers),
                   std::move(body), S3Call{});
  }
  // The same for any API target (the uploads of a multipart upload).
  boost::asio::awaitable<HttpResponse> CallTarget(const Call& c, std::string method,
                                                  std::string target, HeaderMap headers,
                                                  std::string body, S3Call s3);
  boost::asio::awaitable<HttpResponse> CallTarget(const Call& c, std::string method,
                                                  std::string target) {
    return CallTarget(c, std::move(method), std::move(target), HeaderMap(), std::string(),
                      S3Call{});
  }
  // A write's If-Match and If-None-Match as the API's headers: S3's ETags
  // (an MD5 where one is stored) become the version of the object that has
  // them now, decided again when the entry applies; NoSuchKey for If-Match
  // on a missing key, PreconditionFailed if no ETag listed is the object's.
  std::variant<HeaderMap, S3Error> WriteConditions(const Call& c, const std::string& path) const;
  // An API error answer (JSON) as S3's; not_found on a bucket request or
  // a missing bucket is NoSuchBucket.
  HttpResponse FromApiError(const Call& c, const HttpResponse& api) const;
  HttpResponse ErrorAnswer(const Call& c, const S3Error& e) const;
  // NoSuchBucket unless the request's bucket exists.
  std::optional<S3Error> BucketMissing(const Call& c) const;

  NodePort* node_;
  Api* api_;
  AuthGate* gate_;
};

}  // namespace walfs
