#include "http/api.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "http/util.h"
#include "sm/outcome_code.h"
#include "sm/state_machine.h"

namespace walfs {
namespace asio = boost::asio;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

HttpResponse JsonResponse(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

HttpResponse Error(Code c, const std::string& message, json extra = json::object()) {
  json body = {{"error", std::string(CodeName(c))}, {"message", message}};
  for (auto& [k, v] : extra.items()) body[k] = v;
  return JsonResponse(HttpStatusFor(c), body);
}

HttpResponse Error(const Status& st) { return Error(st.code(), st.message()); }

// Suspends until this replica has applied p (true), the timeout passes or
// the applier stops (false).
asio::awaitable<bool> WaitApplied(Waiters& w, Position p, uint32_t timeout_ms) {
  auto ex = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(ex, std::chrono::milliseconds(timeout_ms));
  uint64_t id = w.Register(p, [timer, ex] { asio::post(ex, [timer] { timer->cancel(); }); });
  if (id != 0) {
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    w.Cancel(id);
  }
  co_return w.applied() >= p;
}

// Hands work to the proposer thread and completes on the caller's executor
// when it answers: no timer, one post.
template <typename Token>
auto AsyncProposer(Proposer& prop, std::string payload, bool tail, Token&& token) {
  return asio::async_initiate<Token, void(Result<Position>)>(
      [&prop, tail](auto handler, std::string payload) {
        auto ex = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto done = [h, ex](Result<Position> r) {
          asio::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
        };
        bool queued = tail ? prop.SubmitTail(done) : prop.Submit(std::move(payload), done);
        if (!queued) done(Status(Code::kNotReady, "too many writes are waiting for the log; retry"));
      },
      token, std::move(payload));
}

asio::awaitable<Result<Position>> AwaitProposer(Proposer& prop, std::string payload, bool tail) {
  co_return co_await AsyncProposer(prop, std::move(payload), tail, asio::use_awaitable);
}

// The log's last position, asked through the proposer, or kTimeout once
// deadline passes (a frozen log must not hold a read past its timeout_ms).
// The proposer's late answer, if any, lands in the shared state and is
// dropped.
asio::awaitable<Result<Position>> AwaitTail(Proposer& prop, Steady::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  struct State {
    State(asio::any_io_executor e, Steady::time_point d) : timer(e, d) {}
    asio::steady_timer timer;
    std::optional<Result<Position>> result;
  };
  auto st = std::make_shared<State>(ex, deadline);
  bool queued = prop.SubmitTail([st, ex](Result<Position> r) {
    asio::post(ex, [st, r = std::move(r)]() mutable {
      st->result.emplace(std::move(r));
      st->timer.cancel();
    });
  });
  if (!queued) co_return Status(Code::kNotReady, "too many requests are waiting for the log; retry");
  // The answer is posted to this executor, so it cannot run before the
  // wait below has begun: the cancel always finds it.
  boost::system::error_code ec;
  co_await st->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (!st->result) co_return Status(Code::kTimeout, "the log did not say its last position in time");
  co_return std::move(*st->result);
}

json NodeJson(const std::string& name_key, const std::string& name, const Node& n) {
  return {{name_key, name},
          {"type", n.is_dir() ? "dir" : "file"},
          {"size", n.is_dir() ? 0 : n.inode.size},
          {"version", n.inode.version.ToString()},
          {"mtime", FormatIsoTime(n.inode.mtime_ms)}};
}

json ManifestJson(const SnapshotManifest& m) {
  json files = json::array();
  return {{"id", m.id},
          {"position", m.position.ToString()},
          {"digest", m.digest},
          {"entries", m.entries},
          {"files_stored", m.files_stored},
          {"bytes_stored", m.bytes_stored},
          {"size", m.total_bytes},
          {"files", m.files.size()},
          {"created", FormatIsoTime(m.created_ms)},
          {"replica", m.replica}};
}

json OpResultJson(const OpResult& r) {
  json j = {{"path", r.path}, {"version", r.version.ToString()}, {"size", r.size}};
  if (r.offset) j["offset"] = *r.offset;
  return j;
}

HttpResponse RenderOutcome(const Outcome& o, bool is_tx) {
  HttpResponse resp;
  if (!o.ok()) {
    json extra = {{"position", o.position.ToString()}};
    if (is_tx && o.failed_condition >= 0) extra["failed_condition"] = o.failed_condition;
    if (is_tx && o.failed_index >= 0) extra["failed_index"] = o.failed_index;
    resp = Error(StatusCodeOf(o.code), o.message.empty() ? DefaultOutcomeMessage(o) : o.message, extra);
  } else if (is_tx) {
    json results = json::array();
    for (const auto& r : o.results) results.push_back(OpResultJson(r));
    resp = JsonResponse(200, {{"position", o.position.ToString()}, {"results", results}});
  } else {
    json j = OpResultJson(o.results.at(0));
    j["position"] = o.position.ToString();
    resp = JsonResponse(o.results[0].created ? 201 : 200, j);
  }
  resp.headers.emplace_back("X-Walfs-Position", o.position.ToString());
  return resp;
}

uint64_t DataBytes(const Entry& e) {
  uint64_t n = 0;
  for (const auto& op : e.ops) n += op.data.size();
  return n;
}

std::string EtagOf(const Node& n) { return "\"" + n.inode.version.ToString() + "\""; }

// RFC 9110 section 13.2.2, for a GET or HEAD of a file: If-Match, else
// If-Unmodified-Since (412 when false); then If-None-Match, else
// If-Modified-Since (304 when false). nullopt: serve the read.
std::optional<HttpResponse> Preconditions(const ReadCommand& c, const Node& n) {
  std::string etag = EtagOf(n);
  uint64_t mtime_s = n.inode.mtime_ms / 1000;
  if (c.if_match) {
    if (*c.if_match != "*") {
      auto tags = ParseEtagList(*c.if_match);
      if (!tags) return Error(Code::kBadRequest, "If-Match must be * or a list of quoted ETags");
      bool any = std::any_of(tags->begin(), tags->end(),
                             [&](const std::string& t) { return EtagMatchesStrong(t, etag); });
      if (!any) return Error(Code::kPreconditionFailed, c.path + " is at version " + etag + ", which If-Match does not list");
    }
  } else if (c.if_unmodified_since) {
    auto since = ParseHttpDate(*c.if_unmodified_since);
    if (since && mtime_s > *since) {
      return Error(Code::kPreconditionFailed, c.path + " was modified after If-Unmodified-Since");
    }
  }
  bool not_modified = false;
  if (c.if_none_match) {
    if (*c.if_none_match == "*") {
      not_modified = true;
    } else {
      auto tags = ParseEtagList(*c.if_none_match);
      if (!tags) return Error(Code::kBadRequest, "If-None-Match must be * or a list of quoted ETags");
      not_modified = std::any_of(tags->begin(), tags->end(),
                                 [&](const std::string& t) { return EtagMatchesWeak(t, etag); });
    }
  } else if (c.if_modified_since) {
    auto since = ParseHttpDate(*c.if_modified_since);
    not_modified = since && mtime_s <= *since;
  }
  if (!not_modified) return std::nullopt;
  HttpResponse r;
  r.status = 304;
  return r;
}

// If-Range: the Range applies only while the file is still what the
// client has (its ETag, strongly, or exactly its Last-Modified).
bool RangeStillApplies(const ReadCommand& c, const Node& n) {
  if (!c.if_range) return true;
  const std::string& v = *c.if_range;
  if (!v.empty() && (v.front() == '"' || v.substr(0, 2) == "W/")) return EtagMatchesStrong(v, EtagOf(n));
  auto d = ParseHttpDate(v);
  return d && *d == n.inode.mtime_ms / 1000;
}

}  // namespace

Status Api::NextChunk(FileStream* s, size_t max, std::string* out) {
  out->clear();
  uint64_t n = std::min<uint64_t>(max, s->length);
  FsView view(s->snapshot.get(), s->block_bytes);
  WALFS_RETURN_IF_ERROR(view.Read(s->node, s->offset, n, out));
  s->offset += n;
  s->length -= n;
  return Status::Ok();
}

asio::awaitable<HttpResponse> Api::Handle(HttpRequest req) {
  auto p = ParseRequest(req, r_->options());
  if (!p.ok()) {
    HttpResponse e = Error(p.status());
    if (p.status().code() == Code::kMethodNotAllowed) {
      std::string_view target = req.target;
      e.headers.emplace_back("Allow", std::string(AllowedMethods(target.substr(0, target.find('?')))));
    }
    co_return e;
  }
  auto started = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  switch (p->route) {
    case Route::kHealthz: co_return JsonResponse(200, {{"status", "ok"}});
    case Route::kReadyz: co_return Ready();
    case Route::kMetrics: {
      HttpResponse m;
      m.body = r_->metrics().Serialize();
      m.headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
      co_return m;
    }
    case Route::kCluster: co_return Cluster();
    case Route::kSnapshotsList: co_return ListSnapshotsResponse();
    case Route::kSnapshotsTake: co_return co_await TakeSnapshotResponse();
    case Route::kFsRead: {
      HttpResponse resp = co_await Read(*p);
      r_->metrics().ObserveRead(seconds());
      co_return resp;
    }
    case Route::kFsWrite:
    case Route::kTx: {
      bool ack_log = p->write.ack_log;
      HttpResponse resp = co_await Write(std::move(p).value());
      r_->metrics().ObserveWrite(ack_log, seconds());
      co_return resp;
    }
  }
  co_return Error(Code::kInternal, "unrouted request");
}

std::string Api::StaleReason() const {
  ApplierHealth h = r_->health();
  if (!h.stopped.ok()) return "stopped";
  if (!h.paused.ok()) return "paused";
  if (!h.log_status.ok()) return "log_unreachable";
  if (h.lag_ms > r_->options().ready_lag_ms_max) return "lagging";
  return "";
}

HttpResponse Api::Ready() const {
  ApplierHealth h = r_->health();
  json j = {{"applied", h.applied.ToString()}, {"log_last", h.log_last.ToString()},
            {"lag_ms", h.lag_ms}, {"log", r_->log_description()},
            {"digest", ToHex(r_->waiters().digest())}};
  std::string why;
  Status diverged = r_->cluster().diverged();
  if (!diverged.ok()) {
    why = diverged.message();
  } else if (!h.stopped.ok()) {
    why = "the applier stopped: " + h.stopped.message();
  } else if (!h.paused.ok()) {
    why = "the applier is paused, retrying: " + h.paused.message();
  } else if (!h.log_status.ok()) {
    why = "the log is unreachable: " + h.log_status.message();
  } else if (h.lag_ms > r_->options().ready_lag_ms_max) {
    why = "this replica is " + std::to_string(h.lag_ms) + " ms behind the log";
  }
  if (why.empty()) {
    j["status"] = "ready";
    return JsonResponse(200, j);
  }
  j["error"] = "not_ready";
  j["message"] = why;
  return JsonResponse(503, j);
}

HttpResponse Api::ListSnapshotsResponse() const {
  Snapshotter* s = r_->snapshotter();
  if (s == nullptr) return Error(Code::kNotFound, "no backup store is configured (walfs serve --backup URL)");
  auto list = s->Snapshots();
  if (!list.ok()) return Error(Code::kNotReady, "cannot list snapshots: " + list.status().message());
  json arr = json::array();
  for (const auto& m : *list) arr.push_back(ManifestJson(m));
  return JsonResponse(200, {{"snapshots", arr}});
}

asio::awaitable<HttpResponse> Api::TakeSnapshotResponse() {
  Snapshotter* s = r_->snapshotter();
  if (s == nullptr) co_return Error(Code::kNotFound, "no backup store is configured (walfs serve --backup URL)");
  auto ex = co_await asio::this_coro::executor;
  struct State {
    explicit State(asio::any_io_executor e) : timer(e, asio::steady_timer::time_point::max()) {}
    asio::steady_timer timer;
    std::optional<Result<SnapshotManifest>> result;
  };
  auto st = std::make_shared<State>(ex);
  s->RequestSnapshot([st, ex](Result<SnapshotManifest> m) {
    asio::post(ex, [st, m = std::move(m)]() mutable {
      st->result.emplace(std::move(m));
      st->timer.cancel();
    });
  });
  while (!st->result) {
    boost::system::error_code ec;
    co_await st->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!st->result->ok()) {
    const Status& e = st->result->status();
    co_return Error(e.code() == Code::kBadRequest ? Code::kBadRequest : Code::kNotReady,
                    "snapshot failed: " + e.message());
  }
  co_return JsonResponse(201, ManifestJson(**st->result));
}

HttpResponse Api::Cluster() const {
  ClusterView v = r_->cluster().view();
  json replicas = json::array();
  for (const auto& r : v.replicas) {
    json j = {{"id", r.id},
              {"address", r.address},
              {"applied", r.applied.ToString()},
              {"digest", r.digest},
              {"entries", r.entries},
              {"lag_entries", v.log.entries_added > r.entries ? v.log.entries_added - r.entries : 0},
              {"lag_ms", LagMs(r.applied, v.log.last, v.log.first)},
              {"last_seen", FormatIsoTime(r.time_ms)},
              {"last_seen_ms_ago", v.refreshed_ms > r.time_ms ? v.refreshed_ms - r.time_ms : 0},
              {"diverged", r.diverged},
              {"self", r.id == v.self}};
    if (!r.stopped.empty()) j["stopped"] = r.stopped;
    replicas.push_back(j);
  }
  json log = {{"first", v.log.first.ToString()}, {"last", v.log.last.ToString()},
              {"length", v.log.length}, {"entries_added", v.log.entries_added},
              {"backend", r_->log_description()}};
  if (!v.log_status.ok()) log["error"] = v.log_status.message();
  return JsonResponse(200, {{"self", v.self}, {"log", log}, {"replicas", replicas},
                            {"as_of", FormatIsoTime(v.refreshed_ms)}});
}

asio::awaitable<HttpResponse> Api::Read(const ParsedRequest& p) {
  const Barrier& b = p.barrier;
  if (b.min_position || b.strong) {
    // One deadline for the whole wait: asking the log for its tail is part
    // of it.
    auto deadline = Steady::now() + std::chrono::milliseconds(b.timeout_ms);
    Position target = b.min_position.value_or(Position{});
    if (b.strong) {
      // Read before the log is asked: whatever this replica had applied
      // then was in the log then, so a sound log's tail, read after, is at
      // or past it. (Read after, it races concurrent writes.)
      Position applied = r_->waiters().applied();
      auto tail = co_await AwaitTail(r_->proposer(), deadline);
      if (!tail.ok() && tail.status().code() == Code::kTimeout) {
        co_return Error(Code::kTimeout, "the log did not answer within " +
                                            std::to_string(b.timeout_ms) + " ms; nothing was read");
      }
      if (!tail.ok()) co_return Error(tail.status());
      if (*tail < applied) {
        // A sound log's last entry is at or past anything a replica has
        // applied: this one lost entries, and writes acknowledged from them
        // may be missing from it. No read can be strong against it.
        co_return Error(Code::kNotReady, "the log's last position " + tail->ToString() +
                                             " is below this replica's applied position " + applied.ToString() +
                                             ": the log lost entries");
      }
      target = std::max(target, *tail);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    uint32_t left_ms = static_cast<uint32_t>(std::max<int64_t>(0, left.count()));
    if (!co_await WaitApplied(r_->waiters(), target, left_ms)) {
      Status stopped = r_->waiters().stopped();
      if (!stopped.ok()) {
        co_return Error(Code::kNotReady, "this replica stopped applying at " +
                                             r_->waiters().applied().ToString() + " and cannot reach " +
                                             target.ToString() + ": " + stopped.message());
      }
      co_return Error(Code::kTimeout, "this replica had not applied " + target.ToString() +
                                          " after " + std::to_string(b.timeout_ms) + " ms");
    }
  }
  auto snap = r_->store().Snapshot();
  auto state = LoadAppliedPosition(*snap);
  if (!state.ok()) co_return Error(state.status());
  FsView view(snap.get(), r_->block_bytes());
  const ReadCommand& c = p.read;
  auto n = view.Lookup(c.path);
  HttpResponse resp;
  if (!n.ok() && n.status().code() != Code::kNotADirectory) {
    resp = Error(n.status());
  } else if (!n.ok() || !n->has_value()) {
    resp = Error(Code::kNotFound, c.path + " does not exist");
  } else if (c.kind == ReadCommand::Kind::kStat) {
    json j = NodeJson("path", c.path, **n);
    resp = JsonResponse(200, j);
  } else if ((*n)->is_dir()) {
    resp = List(c, view, **n);
  } else if (c.kind == ReadCommand::Kind::kList) {
    resp = Error(Code::kNotADirectory, c.path + " is a file");
  } else if (auto pre = Preconditions(c, **n)) {
    resp = std::move(*pre);
  } else {
    resp = ReadFile(c, snap, **n);
  }
  if (n.ok() && n->has_value() && !(*n)->is_dir() && (resp.status < 300 || resp.status == 304)) {
    resp.headers.emplace_back("ETag", EtagOf(**n));
    resp.headers.emplace_back("Last-Modified", FormatHttpDate((*n)->inode.mtime_ms));
  }
  resp.headers.emplace_back("X-Walfs-Position", state->ToString());
  if (std::string stale = StaleReason(); !stale.empty()) resp.headers.emplace_back("X-Walfs-Stale", stale);
  if (c.head && resp.status != 304) {
    resp.head_length = resp.stream ? resp.stream->length : resp.body.size();
    resp.stream.reset();
    resp.body.clear();
  }
  co_return resp;
}

HttpResponse Api::ReadFile(const ReadCommand& c, std::shared_ptr<const StoreReader> snap,
                           const Node& n) const {
  uint64_t size = n.inode.size;
  HttpResponse resp;
  FileStream s{std::move(snap), n, 0, size, r_->block_bytes()};
  auto range = RangeStillApplies(c, n) ? SelectRange(c.range, size) : std::optional<ByteRange>();
  if (!range.ok()) {
    resp = Error(range.status());
    resp.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
    return resp;
  }
  if (*range) {
    s.offset = (*range)->offset;
    s.length = (*range)->length;
    resp.status = 206;
    resp.headers.emplace_back("Content-Range", "bytes " + std::to_string(s.offset) + "-" +
                                                   std::to_string(s.offset + s.length - 1) + "/" +
                                                   std::to_string(size));
  } else if (c.offset || c.length) {
    uint64_t off = c.offset.value_or(0);
    if (off > size) return Error(Code::kInvalidRange, "offset is past the end of the file");
    s.offset = off;
    s.length = std::min(c.length.value_or(size - off), size - off);
  }
  resp.headers.emplace_back("Content-Type", "application/octet-stream");
  resp.headers.emplace_back("Accept-Ranges", "bytes");
  if (s.length <= r_->options().read_chunk_bytes) {
    // Small enough for one chunk: answer in one write, header and body.
    Status st = NextChunk(&s, s.length, &resp.body);
    if (!st.ok()) return Error(st);
    return resp;
  }
  resp.stream = std::move(s);
  return resp;
}

HttpResponse Api::List(const ReadCommand& c, const FsView& view, const Node& dir) const {
  std::vector<DirEntry> entries;
  bool more = false;
  Status st = c.recursive ? view.ListRecursive(dir.ino, c.after, c.limit, &entries, &more)
                          : view.List(dir.ino, c.after, c.limit, &entries, &more);
  if (!st.ok()) return Error(st);
  json list = json::array();
  for (const auto& e : entries) list.push_back(NodeJson("name", e.name, e.node));
  json j = {{"path", c.path}, {"entries", list}, {"next", nullptr}};
  if (more && !entries.empty()) j["next"] = entries.back().name;
  return JsonResponse(200, j);
}

std::optional<HttpResponse> Api::FirstWithKey(std::string_view payload, std::string_view key) const {
  auto snap = r_->store().Snapshot();
  auto rec = LookupIdempotency(*snap, key);
  if (!rec.ok() || !rec->has_value()) return std::nullopt;
  auto mine = DecodeEntry(payload, kMaxEntryDataBytes);
  if (!mine.ok()) return std::nullopt;
  if (mine->fingerprint != (*rec)->fingerprint) {
    return Error(Code::kIdempotencyKeyReused, "idempotency key was used for a different request");
  }
  std::string first = (*rec)->first.position.ToString();
  HttpResponse r = JsonResponse(202, {{"position", first}});
  r.headers.emplace_back("X-Walfs-Position", first);
  return r;
}

asio::awaitable<HttpResponse> Api::Write(ParsedRequest p) {
  WriteCommand& w = p.write;
  Status stopped = r_->waiters().stopped();
  if (!stopped.ok()) {
    co_return Error(Code::kNotReady, "this replica has stopped applying the log, so it takes no "
                                     "writes: " + stopped.message());
  }
  if (Status log = r_->health().log_status; !log.ok()) {
    // Cut off from the log: say so now rather than time out on a send
    // whose fate would be unknown.
    co_return Error(Code::kLogUnavailable, "this replica cannot reach the log, so nothing was written: " +
                                               log.message());
  }
  if (DataBytes(w.entry) > r_->options().entry_bytes_max) {
    co_return Error(Code::kTooLarge, "the data is over the " +
                                         std::to_string(r_->options().entry_bytes_max) +
                                         "-byte limit of one write");
  }
  std::string payload = EncodeEntry(w.entry);
  if (w.ack_log && !w.entry.idempotency_key.empty()) {
    // A retry of a write this replica has applied is answered with the
    // first one's position, not a new entry's.
    if (auto first = FirstWithKey(payload, w.entry.idempotency_key)) co_return std::move(*first);
  }
  auto pos = co_await AwaitProposer(r_->proposer(), std::move(payload), false);
  if (!pos.ok()) {
    if (pos.status().code() == Code::kTimeout) {
      co_return Error(Code::kTimeout, "the log did not answer in time; the write may or may not "
                                      "have been applied: retry with the same Idempotency-Key");
    }
    co_return Error(pos.status());
  }
  if (w.ack_log) {
    HttpResponse r = JsonResponse(202, {{"position", pos->ToString()}});
    r.headers.emplace_back("X-Walfs-Position", pos->ToString());
    co_return r;
  }
  if (!co_await WaitApplied(r_->waiters(), *pos, w.timeout_ms)) {
    Status why = r_->waiters().stopped();
    std::string msg = "the write is in the log at " + pos->ToString() +
                      " but this replica has not applied it";
    co_return Error(why.ok() ? Code::kTimeout : Code::kNotReady,
                    why.ok() ? msg + " within " + std::to_string(w.timeout_ms) + " ms"
                             : msg + ": " + why.message(),
                    {{"position", pos->ToString()}});
  }
  auto o = r_->waiters().TakeOutcome(*pos);
  if (!o) {
    co_return Error(Code::kTimeout, "the write was applied at " + pos->ToString() +
                                        " but its outcome is no longer held; read it back",
                    {{"position", pos->ToString()}});
  }
  co_return RenderOutcome(*o, w.is_tx);
}

}  // namespace walfs
