// Api: the v1 HTTP contract (api-v1.md) over a node (NodePort).
//
// Handle() turns one request into one response and never touches a socket:
// the session moves the bytes. A file body is returned as a FileStream (a
// store snapshot and a byte range) that the session streams block by block
// with back-pressure from the socket. Waits (for the log, for an applied
// position) suspend the coroutine and take no thread.
// REQUIRES: Handle runs on a strand (each session is one).
// Thread-safety: Api is immutable after construction; Handle is reentrant.
#pragma once

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "http/auth_gate.h"
#include "http/body_reader.h"
#include "http/frontend.h"
#include "http/request.h"
#include "http/response.h"
#include "node/node_port.h"
#include "schema/upload_records.h"
#include "volume/volume_map.h"

namespace walfs {

class Api final : public Frontend {
 public:
  // gate: authentication and authorisation (null: none).
  // map: the cluster's volumes (null: one, root); node stores the one
  // named by its options().volume, and every path this Api takes is in it.
  explicit Api(NodePort* node, AuthGate* gate = nullptr, const VolumeMap* map = nullptr)
      : node_(node), gate_(gate), map_(map) {}
  boost::asio::awaitable<HttpResponse> Handle(HttpRequest req) override;
  // A request whose body is streamed (StreamsBody): req carries no body,
  // body yields it. A file write whose body turns out to fit one entry is
  // an ordinary write; a larger one is staged in chunks through an upload
  // of its own and made visible by one commit (upload_handler.cc).
  boost::asio::awaitable<HttpResponse> HandleStreamed(HttpRequest req, BodyReader& body) override;

  // Frontend: the gate's decision at the head (auth_gate.h), the body
  // limits of request.h and message.h, the contract's JSON errors.
  Admission Admit(const HttpRequest& head, std::string_view client, int64_t now_ms) override;
  bool StreamsBody(std::string_view method, std::string_view target,
                   std::optional<uint64_t> length) const override;
  uint64_t BodyLimit(std::string_view target, bool streamed) const override;
  HttpResponse SessionError(int status, std::string_view code,
                            const std::string& message) const override;
  std::string_view MetricsRoute(std::string_view method, std::string_view target) const override;

  // Proposes an entry built by another frontend (the S3 endpoint's copies)
  // and answers as a write of the HTTP API does (RenderOutcome), waiting
  // for it to apply here. REQUIRES: the caller has authorized every path.
  boost::asio::awaitable<HttpResponse> Propose(Entry e);

  // The gate's decision on a request answered without Handle (a redirect
  // to another volume's replica, the merged cluster view); ok without
  // authentication, and for a route by upload id (decided where it is).
  Status AuthorizeOnly(const HttpRequest& req) const;
  // GET /v1/cluster's body: this volume's log and the replicas on it.
  nlohmann::json ClusterJson() const;
  // GET /readyz's answer for this volume.
  HttpResponse Ready() const;

  // Reads the stream's next chunk (at most max bytes) into out and advances it.
  static Status NextChunk(FileStream* s, size_t max, std::string* out);

 private:
  boost::asio::awaitable<HttpResponse> Read(const ParsedRequest& p);
  // GET /v1/watch and ?follow (watch_handler.cc).
  HttpResponse Watch(const ParsedRequest& p) const;
  HttpResponse Follow(const ReadCommand& c, const Node& n) const;
  boost::asio::awaitable<HttpResponse> Write(ParsedRequest p);
  // Why writes are refused now (stopped applier, unreachable log); ok if not.
  Status WritesRefused() const;
  // Proposes an entry and waits for its outcome here (or, with ack_log,
  // only for its position: the 202 answer). The answer is the outcome, or
  // the error response when the log or the wait failed.
  boost::asio::awaitable<std::variant<Outcome, HttpResponse>> ProposeAndWait(std::string payload,
                                                                             bool ack_log,
                                                                             uint32_t timeout_ms);
  // Uploads (upload_handler.cc).
  boost::asio::awaitable<HttpResponse> Uploads(const HttpRequest& req, ParsedRequest p);
  boost::asio::awaitable<HttpResponse> StreamedWrite(ParsedRequest p, BodyReader& body,
                                                     std::string first);
  boost::asio::awaitable<HttpResponse> PutPart(const HttpRequest& req, const ParsedRequest& p,
                                               BodyReader& body);
  // For a route by upload id with authentication on: the upload, found,
  // and the request's right to its target; ok and no lookup without.
  boost::asio::awaitable<Status> AuthorizeUpload(const HttpRequest& req, const ParsedRequest& p);
  // The volume this Api serves; a position of it, as clients see it.
  const std::string& volume() const { return node_->options().volume; }
  std::string Pos(Position p) const { return FormatVolumePosition(volume(), p); }
  // A new upload id, tagged with this volume (VolumeMap::OfUploadId).
  std::string NewUploadIdHere() const;
  // kCrossVolume if the entry names a path of another volume.
  Status InVolume(const Entry& e) const;
  bool auth_on() const { return gate_ != nullptr && gate_->enabled(); }
  // The open upload with this id as this replica has it, after a strong
  // wait when it is not here yet; kNotFound if none.
  boost::asio::awaitable<Result<UploadRecord>> FindUpload(const std::string& id,
                                                          uint32_t timeout_ms);
  // For an ack=log write with a key this replica has already applied: the
  // first write's answer (202 with its position), or 422 if the key was
  // used for another request. nullopt: not applied here (yet).
  std::optional<HttpResponse> FirstWithKey(std::string_view payload, std::string_view key) const;
  // Why this replica's reads may be behind the log (the X-Walfs-Stale
  // header): stopped, paused, log_unreachable, lagging; empty if current.
  std::string StaleReason() const;
  HttpResponse Cluster() const;
  HttpResponse ListSnapshotsResponse() const;
  boost::asio::awaitable<HttpResponse> TakeSnapshotResponse();
  // etag: the one the read answers (read_handler.cc EtagOf).
  HttpResponse ReadFile(const ReadCommand& c, std::shared_ptr<const StoreReader> snap,
                        const Node& n, const FileMeta& meta, const std::string& etag) const;
  HttpResponse List(const ReadCommand& c, const FsView& view, const Node& dir) const;
  NodePort* node_;
  AuthGate* gate_;
  const VolumeMap* map_;
};

}  // namespace walfs
