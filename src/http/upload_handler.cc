// Uploads and writes of any size (api-v1.md, "Writes of any size"): the
// /v1/uploads routes, parts streamed into staged chunks, and file writes
// whose body is over one entry, which are staged through an upload of their
// own and made visible by one commit. What the entries do is sm/uploads.h.
#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <deque>
#include <nlohmann/json.hpp>

#include "codec/file_meta.h"
#include "core/hash.h"
#include "core/path.h"
#include "http/api.h"
#include "http/errors.h"
#include "http/outcome_response.h"
#include "http/util.h"
#include "http/waits.h"
#include "schema/schema.h"
#include "sm/state_machine.h"

namespace walfs {
namespace asio = boost::asio;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

std::string NewUploadId() {
  unsigned char b[kUploadIdBytes / 2];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("no random bytes for an upload id");
  return ToHex(std::string_view(reinterpret_cast<const char*>(b), sizeof b));
}

}  // namespace

std::string Api::NewUploadIdHere() const {
  std::string id = NewUploadId();
  if (map_ == nullptr) return id;
  if (volume() != kRootVolume) return UploadIdTag(volume()) + id.substr(kUploadIdTagChars);
  // Root's ids avoid every other volume's tag.
  while (map_->OfUploadId(id).name != kRootVolume) id = NewUploadId();
  return id;
}

namespace {

class Md5 {
 public:
  Md5() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_md5(), nullptr); }
  ~Md5() { EVP_MD_CTX_free(ctx_); }
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;
  void Update(std::string_view s) { EVP_DigestUpdate(ctx_, s.data(), s.size()); }
  std::string Final() {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, d, &n);
    return std::string(reinterpret_cast<const char*>(d), n);
  }

 private:
  EVP_MD_CTX* ctx_;
};

std::string_view TargetName(OpType t) {
  return t == OpType::kAppend ? "append" : t == OpType::kWrite ? "write" : "put";
}

json UploadJson(const std::string& id, const UploadRecord& u) {
  json j = {{"upload_id", id},
            {"path", u.path},
            {"op", TargetName(u.target)},
            {"staged_bytes", u.staged_bytes},
            {"created", FormatIsoTime(u.created_ms)},
            {"expires", FormatIsoTime(u.expires_ms)}};
  if (u.target == OpType::kWrite) j["offset"] = u.offset;
  return j;
}

std::string QuotedEtag(const std::string& md5) { return "\"" + ToHex(md5) + "\""; }

// A part's bytes as they were staged: its chunks, size and MD5.
struct StagedPart {
  std::vector<Position> chunks;
  uint64_t size = 0;
  std::string md5;
};

// Streams a body into upload_stage entries of up to one entry's bytes each,
// `first` (bytes already read) first. At most stage_window_chunks of them
// are in the log but not yet applied here: the body is read no faster than
// the replica applies it, so neither this process nor the log holds more
// than a few chunks of it.
asio::awaitable<Result<StagedPart>> StageBody(NodePort& node, BodyReader& body,
                                              const std::string& id, uint32_t part,
                                              std::string first, uint64_t limit) {
  const ServerOptions& o = node.options();
  const size_t chunk_max = o.entry_bytes_max;
  StagedPart out;
  Md5 md5;
  std::deque<Position> window;
  std::string pending = std::move(first);
  bool ended = false;
  // One buffer for every chunk of the body: it comes back from each entry
  // once encoded, its pages already faulted in.
  std::string chunk;
  while (true) {
    if (pending.size() >= chunk_max) {
      chunk.assign(pending, 0, chunk_max);
      pending.erase(0, chunk_max);
    } else {
      chunk.assign(pending);
      pending.clear();
      if (!ended) {
        size_t have = chunk.size();
        chunk.resize(chunk_max);
        auto n = co_await body.ReadFull(chunk.data() + have, chunk_max - have);
        if (!n.ok()) co_return n.status();
        chunk.resize(have + *n);
        ended = chunk.size() < chunk_max;
      }
    }
    if (chunk.empty()) break;
    out.size += chunk.size();
    if (out.size > limit) {
      co_return Status(Code::kTooLarge,
                       "the body is over the " + std::to_string(limit) + "-byte limit");
    }
    md5.Update(chunk);
    if (window.size() >= std::max<size_t>(1, o.stage_window_chunks)) {
      if (!co_await WaitApplied(node, window.front(), o.wait_timeout_ms_max)) {
        Status why = node.stopped();
        co_return why.ok()
            ? Status(Code::kTimeout, "this replica did not apply the staged bytes in time")
            : Status(Code::kNotReady, why.message());
      }
      window.pop_front();
    }
    Entry e;
    e.ops.push_back(Op::UploadStage(id, part, std::move(chunk)));
    std::string entry = EncodeEntry(e);
    chunk = std::move(e.ops[0].data);
    auto pos = co_await AwaitProposer(node, std::move(entry), false);
    if (!pos.ok()) co_return pos.status();
    out.chunks.push_back(*pos);
    window.push_back(*pos);
  }
  out.md5 = md5.Final();
  co_return out;
}

// Best effort: an upload the request gave up on is freed now rather than
// at its expiry.
void AbortQuietly(NodePort& node, const std::string& id) {
  Entry e;
  e.ops.push_back(Op::UploadAbort(id));
  node.Propose(EncodeEntry(e), [](Result<Position>) {});
}

// The checksums the body's trailers brought (S3's, checked by the reader),
// set in meta.
void SetTrailerChecksums(const BodyReader& body, FileMeta* meta) {
  if (const HeaderMap* t = body.trailers()) {
    for (const auto& [name, value] : *t) {
      if (name.starts_with(kChecksumPrefix)) meta->Set(name, value);
    }
  }
}

}  // namespace

asio::awaitable<Result<UploadRecord>> Api::FindUpload(const std::string& id, uint32_t timeout_ms) {
  auto find = [&]() -> Result<std::optional<UploadRecord>> {
    if (!ValidUploadId(id)) return std::optional<UploadRecord>();
    auto snap = node_->ReadSnapshot();
    auto applied = LoadAppliedPosition(*snap);
    if (!applied.ok()) return applied.status();
    auto v = snap->Get(keys::Upload(id));
    if (!v.ok()) return v.status();
    if (!v->has_value()) return std::optional<UploadRecord>();
    auto u = DecodeUpload(**v);
    if (!u) return Status(Code::kCorruption, "upload record is malformed");
    if (u->expires_ms <= applied->ms) return std::optional<UploadRecord>();
    return u;
  };
  auto found = find();
  if (!found.ok()) co_return found.status();
  if (!found->has_value() && ValidUploadId(id)) {
    // Created through another replica a moment ago? Catch up with the log.
    Position applied = node_->applied();
    auto tail = co_await AwaitTail(*node_, Steady::now() + std::chrono::milliseconds(timeout_ms));
    if (tail.ok() && *tail > applied) co_await WaitApplied(*node_, *tail, timeout_ms);
    found = find();
    if (!found.ok()) co_return found.status();
  }
  if (!found->has_value()) {
    co_return Status(Code::kNotFound, "no open upload has the id '" + id +
                                          "' (never created, committed, aborted or expired)");
  }
  co_return std::move(**found);
}

asio::awaitable<HttpResponse> Api::HandleStreamed(HttpRequest req, BodyReader& body) {
  auto p = ParseRequest(req, node_->options());
  if (!p.ok()) co_return Error(p.status());
  if (p->route == Route::kUploadPart) co_return co_await PutPart(req, *p, body);
  if (gate_ != nullptr) {
    if (Status st = gate_->Authorize(req, *p); !st.ok()) co_return Error(st);
  }
  if (p->route != Route::kFsWrite || p->write.entry.ops.size() != 1) {
    co_return Error(Code::kBadRequest, "this request takes no streamed body");
  }
  auto started = Steady::now();
  const uint64_t entry_max = node_->options().entry_bytes_max;
  std::string first(entry_max + 1, '\0');
  auto n = co_await body.ReadFull(first.data(), first.size());
  if (!n.ok()) co_return Error(n.status());
  first.resize(*n);
  bool ack_log = p->write.ack_log;
  HttpResponse resp;
  if (*n <= entry_max) {
    // It fits one entry after all (a chunked body of unknown length).
    p->write.entry.ops[0].data = std::move(first);
    if (p->write.trailer_checksums) SetTrailerChecksums(body, &p->write.entry.ops[0].meta);
    resp = co_await Write(std::move(p).value());
  } else {
    resp = co_await StreamedWrite(std::move(p).value(), body, std::move(first));
  }
  node_->metrics().ObserveWrite(ack_log,
                                std::chrono::duration<double>(Steady::now() - started).count());
  co_return resp;
}

asio::awaitable<HttpResponse> Api::StreamedWrite(ParsedRequest p, BodyReader& body,
                                                 std::string first) {
  const ServerOptions& o = node_->options();
  WriteCommand& w = p.write;
  const Op target = w.entry.ops[0];
  if (Status refused = WritesRefused(); !refused.ok()) co_return Error(refused);
  std::string id = NewUploadIdHere();
  Entry create;
  create.ops.push_back(
      Op::UploadCreate(target.path, id, target.type, target.offset, o.upload_expiry_ms));
  create.ops[0].meta.headers = target.meta.headers;
  auto created = co_await ProposeAndWait(EncodeEntry(create), false, w.timeout_ms);
  if (auto* r = std::get_if<HttpResponse>(&created)) co_return std::move(*r);
  if (!std::get<Outcome>(created).ok())
    co_return RenderOutcome(std::get<Outcome>(created), false, volume());

  auto staged = co_await StageBody(*node_, body, id, 1, std::move(first), o.file_bytes_max);
  if (!staged.ok()) {
    AbortQuietly(*node_, id);
    co_return Error(staged.status());
  }
  Entry seal;
  seal.ops.push_back(Op::UploadPart(id, 1, staged->size, staged->md5, staged->chunks));
  auto sealed = co_await ProposeAndWait(EncodeEntry(seal), false, o.wait_timeout_ms_max);
  if (auto* r = std::get_if<HttpResponse>(&sealed)) co_return std::move(*r);
  if (!std::get<Outcome>(sealed).ok()) {
    AbortQuietly(*node_, id);
    co_return RenderOutcome(std::get<Outcome>(sealed), false, volume());
  }
  // The commit: the request's conditions and key, decided at apply time;
  // counted for its key by target and content, not by this upload.
  Entry commit;
  commit.idempotency_key = w.entry.idempotency_key;
  commit.conditions = w.entry.conditions;
  Op c = Op::UploadCommit(id, {1});
  c.path = target.path;
  c.target = target.type;
  c.offset = target.offset;
  c.content_hash = staged->md5;
  if (w.md5_etag) c.meta.etag = ToHex(staged->md5);  // one part: the body's MD5
  // A checksum that came after the body: the commit adds it to the
  // upload's headers (entry format 5).
  if (w.trailer_checksums) SetTrailerChecksums(body, &c.meta);
  commit.ops.push_back(std::move(c));
  auto done = co_await ProposeAndWait(EncodeEntry(commit), w.ack_log, w.timeout_ms);
  if (auto* r = std::get_if<HttpResponse>(&done)) co_return std::move(*r);
  const Outcome& outcome = std::get<Outcome>(done);
  // A refused commit, or a retry answered with the first write's outcome,
  // leaves this upload's bytes unused.
  if (!outcome.ok() || outcome.duplicate) AbortQuietly(*node_, id);
  HttpResponse r = RenderOutcome(outcome, false, volume());
  if (w.md5_etag && outcome.ok()) r.headers.emplace_back("ETag", QuotedEtag(staged->md5));
  co_return r;
}

asio::awaitable<Status> Api::AuthorizeUpload(const HttpRequest& req, const ParsedRequest& p) {
  if (!auth_on()) co_return Status::Ok();
  auto rec = co_await FindUpload(p.upload.id, p.write.timeout_ms);
  if (!rec.ok()) co_return rec.status();
  co_return gate_->Authorize(req, p, &rec->path);
}

asio::awaitable<HttpResponse> Api::PutPart(const HttpRequest& req, const ParsedRequest& p,
                                           BodyReader& body) {
  const ServerOptions& o = node_->options();
  const UploadCommand& u = p.upload;
  if (Status refused = WritesRefused(); !refused.ok()) co_return Error(refused);
  if (Status st = co_await AuthorizeUpload(req, p); !st.ok()) co_return Error(st);
  auto upload = co_await FindUpload(u.id, p.write.timeout_ms);
  if (!upload.ok()) co_return Error(upload.status());
  auto staged = co_await StageBody(*node_, body, u.id, u.part, "", o.part_bytes_max);
  if (!staged.ok()) co_return Error(staged.status());
  Entry seal;
  seal.ops.push_back(Op::UploadPart(u.id, u.part, staged->size, staged->md5, staged->chunks));
  auto sealed = co_await ProposeAndWait(EncodeEntry(seal), false, o.wait_timeout_ms_max);
  if (auto* r = std::get_if<HttpResponse>(&sealed)) co_return std::move(*r);
  const Outcome& outcome = std::get<Outcome>(sealed);
  if (!outcome.ok()) co_return RenderOutcome(outcome, false, volume());
  HttpResponse r = JsonResponse(200, {{"part", u.part},
                                      {"size", staged->size},
                                      {"etag", QuotedEtag(staged->md5)},
                                      {"position", Pos(outcome.position)}});
  r.headers.emplace_back("ETag", QuotedEtag(staged->md5));
  r.headers.emplace_back("X-Walfs-Position", Pos(outcome.position));
  co_return r;
}

asio::awaitable<HttpResponse> Api::Uploads(const HttpRequest& req, ParsedRequest p) {
  const ServerOptions& o = node_->options();
  const UploadCommand& u = p.upload;
  const uint32_t timeout_ms = o.wait_timeout_ms_default;
  switch (p.route) {
    case Route::kUploadCreate: {
      if (Status refused = WritesRefused(); !refused.ok()) co_return Error(refused);
      std::string id = NewUploadIdHere();
      Entry e;
      e.ops.push_back(Op::UploadCreate(u.path, id, u.target, u.offset, o.upload_expiry_ms));
      if (req.s3) e.ops.back().meta.headers = req.s3->meta.headers;
      auto a = co_await ProposeAndWait(EncodeEntry(e), false, timeout_ms);
      if (auto* r = std::get_if<HttpResponse>(&a)) co_return std::move(*r);
      const Outcome& out = std::get<Outcome>(a);
      if (!out.ok()) co_return RenderOutcome(out, false, volume());
      UploadRecord rec{u.path,
                       u.target,
                       u.offset,
                       o.upload_expiry_ms,
                       out.position.ms,
                       out.position.ms + o.upload_expiry_ms,
                       0,
                       {}};
      json j = UploadJson(id, rec);
      j["position"] = Pos(out.position);
      HttpResponse r = JsonResponse(201, j);
      r.headers.emplace_back("X-Walfs-Position", Pos(out.position));
      co_return r;
    }
    case Route::kUploadGet: {
      auto rec = co_await FindUpload(u.id, timeout_ms);
      if (!rec.ok()) co_return Error(rec.status());
      if (gate_ != nullptr) {
        if (Status st = gate_->Authorize(req, p, &rec->path); !st.ok()) co_return Error(st);
      }
      auto snap = node_->ReadSnapshot();
      json parts = json::array();
      std::string prefix = keys::PartPrefix(u.id);
      Status bad = Status::Ok();
      Status st = snap->Scan(prefix, prefix, [&](std::string_view k, std::string_view v) {
        auto part = DecodePart(v);
        if (!part || k.size() != prefix.size() + 4) {
          bad = Status(Code::kCorruption, "part record is malformed");
          return false;
        }
        uint32_t n = 0;
        for (size_t i = prefix.size(); i < k.size(); ++i) n = (n << 8) | uint8_t(k[i]);
        parts.push_back({{"part", n}, {"size", part->size}, {"etag", QuotedEtag(part->md5)}});
        return true;
      });
      if (!st.ok()) co_return Error(st);
      if (!bad.ok()) co_return Error(bad);
      json j = UploadJson(u.id, *rec);
      j["parts"] = std::move(parts);
      co_return JsonResponse(200, j);
    }
    case Route::kUploadList: {
      auto snap = node_->ReadSnapshot();
      auto applied = LoadAppliedPosition(*snap);
      if (!applied.ok()) co_return Error(applied.status());
      json list = json::array();
      bool more = false;
      std::string prefix(keys::kUploadPrefix);
      Status st = snap->Scan(prefix, prefix, [&](std::string_view k, std::string_view v) {
        auto rec = DecodeUpload(v);
        if (!rec || rec->expires_ms <= applied->ms || !IsSameOrBeneath(rec->path, u.path)) {
          return true;
        }
        if (list.size() >= o.uploads_list_max) {
          more = true;
          return false;
        }
        list.push_back(UploadJson(std::string(k.substr(prefix.size())), *rec));
        return true;
      });
      if (!st.ok()) co_return Error(st);
      co_return JsonResponse(200, {{"uploads", list}, {"truncated", more}});
    }
    case Route::kUploadAbort: {
      if (Status refused = WritesRefused(); !refused.ok()) co_return Error(refused);
      if (!ValidUploadId(u.id)) co_return Error(Code::kNotFound, "no upload has that id");
      if (Status st = co_await AuthorizeUpload(req, p); !st.ok()) co_return Error(st);
      Entry e;
      e.ops.push_back(Op::UploadAbort(u.id));
      auto a = co_await ProposeAndWait(EncodeEntry(e), false, timeout_ms);
      if (auto* r = std::get_if<HttpResponse>(&a)) co_return std::move(*r);
      const Outcome& out = std::get<Outcome>(a);
      if (!out.ok()) co_return RenderOutcome(out, false, volume());
      HttpResponse r = JsonResponse(
          200, {{"upload_id", u.id}, {"aborted", true}, {"position", Pos(out.position)}});
      r.headers.emplace_back("X-Walfs-Position", Pos(out.position));
      co_return r;
    }
    case Route::kUploadCommit: {
      if (Status refused = WritesRefused(); !refused.ok()) co_return Error(refused);
      if (Status st = co_await AuthorizeUpload(req, p); !st.ok()) co_return Error(st);
      Entry e;
      e.idempotency_key = p.write.entry.idempotency_key;
      if (u.has_conditions) {
        // Conditions name the upload's target, which the client did not.
        auto rec = co_await FindUpload(u.id, p.write.timeout_ms);
        if (!rec.ok()) co_return Error(rec.status());
        Status st = AddConditions(req, rec->path, &e);
        if (!st.ok()) co_return Error(st);
      }
      e.ops.push_back(Op::UploadCommit(u.id, u.parts));
      if (req.s3) {
        e.ops.back().meta.etag = req.s3->meta.etag;
        e.ops.back().part_md5s = req.s3->part_md5s;
      }
      auto a = co_await ProposeAndWait(EncodeEntry(e), p.write.ack_log, p.write.timeout_ms);
      if (auto* r = std::get_if<HttpResponse>(&a)) co_return std::move(*r);
      co_return RenderOutcome(std::get<Outcome>(a), false, volume());
    }
    default:
      co_return Error(Code::kInternal, "not an upload route");
  }
}

}  // namespace walfs
