// GET and HEAD of /v1/fs: barriers, conditional reads (RFC 9110), ranges,
// files streamed from a snapshot, listings.
#include "http/api.h"

#include <cstdio>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "core/file_mode.h"
#include "core/hash.h"
#include "http/errors.h"
#include "http/util.h"
#include "http/waits.h"
#include "sm/outcome_code.h"
#include "sm/state_machine.h"

namespace walfs {
namespace asio = boost::asio;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

json NodeJson(const std::string& name_key, const std::string& name, const Node& n) {
  const Inode& i = n.inode;
  json j = {{name_key, name},
            {"type", n.is_dir()       ? "dir"
                     : n.is_symlink() ? "symlink"
                                      : "file"},
            {"size", n.is_dir() ? 0 : i.size},
            {"version", i.version.ToString()},
            {"mtime", FormatIsoTime(i.mtime_ms)},
            {"mode", FormatMode(i.mode)},
            {"atime", FormatIsoTime(i.atime_ms)},
            {"ctime", FormatIsoTime(i.ctime_ms)}};
  if (i.uid) j["uid"] = *i.uid;
  if (i.gid) j["gid"] = *i.gid;
  return j;
}

// A file's stat with its metadata, if it has some.
json StatJson(const std::string& path, const Node& n, const FileMeta& meta) {
  json j = NodeJson("path", path, n);
  if (!meta.headers.empty()) {
    json m = json::object();
    for (const auto& [name, value] : meta.headers) m[name] = value;
    j["metadata"] = m;
  }
  if (!meta.etag.empty()) j["md5_etag"] = meta.etag;
  return j;
}

// The ETag a read answers and compares: the version; through the S3
// endpoint, the stored MD5 ETag where the file has one.
std::string EtagOf(const ReadCommand& c, const Node& n, const FileMeta& meta) {
  if (c.s3 && !meta.etag.empty()) return "\"" + meta.etag + "\"";
  return "\"" + n.inode.version.ToString() + "\"";
}

// RFC 9110 section 13.2.2, for a GET or HEAD of a file: If-Match, else
// If-Unmodified-Since (412 when false); then If-None-Match, else
// If-Modified-Since (304 when false). nullopt: serve the read.
std::optional<HttpResponse> Preconditions(const ReadCommand& c, const Node& n,
                                          const std::string& etag) {
  uint64_t mtime_s = n.inode.mtime_ms / 1000;
  if (c.if_match) {
    if (*c.if_match != "*") {
      auto tags = ParseEtagList(*c.if_match);
      if (!tags) return Error(Code::kBadRequest, "If-Match must be * or a list of quoted ETags");
      bool any = std::any_of(tags->begin(), tags->end(),
                             [&](const std::string& t) { return EtagMatchesStrong(t, etag); });
      if (!any)
        return Error(Code::kPreconditionFailed,
                     c.path + " is at version " + etag + ", which If-Match does not list");
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
      if (!tags)
        return Error(Code::kBadRequest, "If-None-Match must be * or a list of quoted ETags");
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
bool RangeStillApplies(const ReadCommand& c, const Node& n, const std::string& etag) {
  if (!c.if_range) return true;
  const std::string& v = *c.if_range;
  if (!v.empty() && (v.front() == '"' || v.substr(0, 2) == "W/")) return EtagMatchesStrong(v, etag);
  auto d = ParseHttpDate(v);
  return d && *d == n.inode.mtime_ms / 1000;
}

}  // namespace

asio::awaitable<HttpResponse> Api::Read(const ParsedRequest& p) {
  const Barrier& b = p.barrier;
  // Positions of other volumes order nothing here.
  const std::optional<Position> min_position = b.MinPositionFor(volume());
  if (min_position || b.strong) {
    // One deadline for the whole wait: asking the log for its tail is part
    // of it.
    auto deadline = Steady::now() + std::chrono::milliseconds(b.timeout_ms);
    Position target = min_position.value_or(Position{});
    if (b.strong) {
      // Read before the log is asked: whatever this replica had applied
      // then was in the log then, so a sound log's tail, read after, is at
      // or past it. (Read after, it races concurrent writes.)
      Position applied = node_->applied();
      auto tail = co_await AwaitTail(*node_, deadline);
      if (!tail.ok() && tail.status().code() == Code::kTimeout) {
        co_return Error(Code::kTimeout, "the log did not answer within " +
                                            std::to_string(b.timeout_ms) + " ms; nothing was read");
      }
      if (!tail.ok()) co_return Error(tail.status());
      if (*tail < applied) {
        // A sound log's last entry is at or past anything a replica has
        // applied: this one lost entries, and writes acknowledged from them
        // may be missing from it. No read can be strong against it.
        co_return Error(Code::kNotReady, "the log's last position " + Pos(*tail) +
                                             " is below this replica's applied position " +
                                             Pos(applied) + ": the log lost entries");
      }
      target = std::max(target, *tail);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    uint32_t left_ms = static_cast<uint32_t>(std::max<int64_t>(0, left.count()));
    if (!co_await WaitApplied(*node_, target, left_ms)) {
      Status stopped = node_->stopped();
      if (!stopped.ok()) {
        co_return Error(Code::kNotReady, "this replica stopped applying at " +
                                             Pos(node_->applied()) + " and cannot reach " +
                                             Pos(target) + ": " + stopped.message());
      }
      co_return Error(Code::kTimeout, "this replica had not applied " + Pos(target) + " after " +
                                          std::to_string(b.timeout_ms) + " ms");
    }
  }
  auto snap = node_->ReadSnapshot();
  auto state = LoadAppliedPosition(*snap);
  if (!state.ok()) co_return Error(state.status());
  FsView view(snap.get(), node_->block_bytes());
  const ReadCommand& c = p.read;
  auto n = view.Lookup(c.path);
  bool file = n.ok() && n->has_value() && !(*n)->is_dir();
  Result<FileMeta> meta = file ? view.LoadMeta(**n) : FileMeta{};
  // Compared by the preconditions and If-Range, and answered: made once.
  std::string etag = file && meta.ok() ? EtagOf(c, **n, *meta) : std::string();
  HttpResponse resp;
  if (!n.ok() && n.status().code() != Code::kNotADirectory) {
    resp = Error(n.status());
  } else if (!n.ok() || !n->has_value()) {
    resp = Error(Code::kNotFound, c.path + " does not exist");
  } else if (!meta.ok()) {
    resp = Error(meta.status());
  } else if (c.kind == ReadCommand::Kind::kStat) {
    json j = StatJson(c.path, **n, *meta);
    std::string target;
    Status read = (*n)->is_symlink() ? view.Read(**n, 0, (*n)->inode.size, &target) : Status::Ok();
    if ((*n)->is_symlink()) j["target"] = target;
    resp = read.ok() ? JsonResponse(200, j) : Error(read);
  } else if ((*n)->is_dir()) {
    resp = List(c, view, **n);
  } else if (c.kind == ReadCommand::Kind::kList) {
    resp = Error(Code::kNotADirectory, c.path + " is a file");
  } else if (auto pre = Preconditions(c, **n, etag)) {
    resp = std::move(*pre);
  } else if (c.follow && !c.head) {
    resp = Follow(c, **n);
  } else {
    resp = ReadFile(c, snap, **n, *meta, etag);
  }
  if (file && meta.ok() && (resp.status < 300 || resp.status == 304)) {
    resp.headers.emplace_back("ETag", std::move(etag));
    resp.headers.emplace_back("Last-Modified", FormatHttpDate((*n)->inode.mtime_ms));
  }
  resp.headers.emplace_back("X-Walfs-Position", Pos(*state));
  if (std::string stale = StaleReason(); !stale.empty())
    resp.headers.emplace_back("X-Walfs-Stale", stale);
  if (c.head && resp.status != 304) {
    resp.head_length = resp.stream ? resp.stream->length : resp.body.size();
    resp.stream.reset();
    resp.body.clear();
  }
  co_return resp;
}

HttpResponse Api::ReadFile(const ReadCommand& c, std::shared_ptr<const StoreReader> snap,
                           const Node& n, const FileMeta& meta, const std::string& etag) const {
  uint64_t size = n.inode.size;
  HttpResponse resp;
  FileStream s{std::move(snap), n, 0, size, node_->block_bytes()};
  auto range =
      RangeStillApplies(c, n, etag) ? SelectRange(c.range, size) : std::optional<ByteRange>();
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
  // The stored content headers (and, for S3, the user metadata); a file
  // without a type is bytes (S3 gives its own default).
  if (!meta.Get("content-type") && !c.s3) {
    resp.headers.emplace_back("Content-Type", "application/octet-stream");
  }
  for (const auto& [name, value] : meta.headers) {
    if (c.s3 || name.compare(0, 6, "x-amz-") != 0) {  // S3's own: through S3 only
      resp.headers.emplace_back(name, value);
    }
  }
  resp.headers.emplace_back("Accept-Ranges", "bytes");
  if (s.length <= node_->options().read_chunk_bytes) {
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

}  // namespace walfs
