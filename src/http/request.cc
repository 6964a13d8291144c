#include "http/request.h"

#include <algorithm>

#include "core/path.h"
#include "http/attr_fields.h"
#include "http/util.h"
#include "volume/volume_map.h"

#include <nlohmann/json.hpp>

namespace walfs {
namespace {

using Query = std::map<std::string, std::string, std::less<>>;

const std::string* Get(const Query& q, std::string_view k) {
  auto it = q.find(k);
  return it == q.end() ? nullptr : &it->second;
}

Result<bool> Flag(const Query& q, std::string_view k) {
  const std::string* v = Get(q, k);
  if (v == nullptr || *v == "false" || *v == "0") return false;
  if (v->empty() || *v == "true" || *v == "1") return true;
  return BadRequest(std::string(k) + " must be true or false");
}

Result<std::optional<uint64_t>> Number(const Query& q, std::string_view k) {
  const std::string* v = Get(q, k);
  if (v == nullptr) return std::optional<uint64_t>();
  auto n = ParseU64(*v);
  if (!n) return BadRequest(std::string(k) + " must be a non-negative integer");
  return std::optional<uint64_t>(*n);
}

Result<Barrier> ParseBarrier(const HttpRequest& req, const Query& q, const ServerOptions& o) {
  Barrier b;
  std::string mp;
  if (const auto* v = Get(q, "min_position")) mp = *v;
  if (mp.empty()) mp = std::string(req.header("x-walfs-min-position"));
  // Positions of several volumes, comma-separated: a client that wrote to
  // several keeps one token each (operations.md, Volumes).
  for (size_t start = 0; !mp.empty() && start <= mp.size();) {
    size_t comma = std::min(mp.find(',', start), mp.size());
    auto vp = ParseVolumePosition(std::string_view(mp).substr(start, comma - start));
    if (!vp)
      return BadRequest("min_position is not a position (or a list of them, one per volume)");
    if (b.min_positions.size() >= 64) return BadRequest("min_position lists over 64 positions");
    Position& p = b.min_positions[vp->volume];
    p = std::max(p, vp->pos);
    start = comma + 1;
  }
  if (const auto* c = Get(q, "consistency")) {
    if (*c != "strong" && *c != "eventual")
      return BadRequest("consistency must be strong or eventual");
    b.strong = *c == "strong";
  }
  auto t = Number(q, "timeout_ms");
  if (!t.ok()) return t.status();
  b.timeout_ms = static_cast<uint32_t>(
      std::min<uint64_t>(t->value_or(o.wait_timeout_ms_default), o.wait_timeout_ms_max));
  return b;
}

Result<std::string> CanonicalFsPath(std::string_view target_path) {
  constexpr std::string_view kPrefix = "/v1/fs";
  auto rest = target_path.substr(kPrefix.size());
  auto decoded = PercentDecode(rest);
  if (!decoded.ok()) return decoded.status();
  return NormalizePath(*decoded);
}

Result<ReadCommand> ParseRead(const HttpRequest& req, const Query& q, std::string path,
                              const ServerOptions& o) {
  ReadCommand r;
  r.path = std::move(path);
  r.head = req.method == "HEAD";
  r.s3 = req.s3.has_value();
  if (Get(q, "stat") != nullptr) r.kind = ReadCommand::Kind::kStat;
  if (Get(q, "list") != nullptr) r.kind = ReadCommand::Kind::kList;
  auto rec = Flag(q, "recursive");
  if (!rec.ok()) return rec.status();
  r.recursive = *rec;
  auto limit = Number(q, "limit");
  if (!limit.ok()) return limit.status();
  r.limit = limit->value_or(o.list_limit_default);
  if (r.limit == 0 || r.limit > o.list_limit_max) {
    return BadRequest("limit must be between 1 and " + std::to_string(o.list_limit_max));
  }
  if (const auto* a = Get(q, "after")) r.after = *a;
  r.range = std::string(req.header("range"));
  auto opt = [&](std::string_view name) {
    auto it = req.headers.find(name);
    return it == req.headers.end() ? std::optional<std::string>()
                                   : std::optional<std::string>(it->second);
  };
  r.if_match = opt("if-match");
  r.if_none_match = opt("if-none-match");
  r.if_modified_since = opt("if-modified-since");
  r.if_unmodified_since = opt("if-unmodified-since");
  r.if_range = opt("if-range");
  auto follow = Flag(q, "follow");
  if (!follow.ok()) return follow.status();
  r.follow = *follow;
  auto off = Number(q, "offset");
  if (!off.ok()) return off.status();
  auto len = Number(q, "length");
  if (!len.ok()) return len.status();
  r.offset = *off;
  r.length = *len;
  return r;
}

// GET /v1/watch?path=/p[&recursive][&from=P], Last-Event-ID.
Result<WatchCommand> ParseWatch(const HttpRequest& req, const Query& q) {
  WatchCommand w;
  const std::string* path = Get(q, "path");
  if (path == nullptr) return BadRequest("a watch needs ?path=");
  auto canonical = NormalizePath(*path);
  if (!canonical.ok()) return canonical.status();
  w.path = *canonical;
  auto rec = Flag(q, "recursive");
  if (!rec.ok()) return rec.status();
  w.recursive = *rec;
  // An EventSource that reconnects sends the last id it saw, and the URL
  // it was opened with: the id wins.
  std::string from(req.header("last-event-id"));
  if (from.empty()) {
    if (const auto* f = Get(q, "from")) from = *f;
    if (from.empty()) return w;
  }
  // "<position>" or "<position>.<index>", the position with its volume.
  std::string_view id = from;
  size_t dot = id.rfind('.');
  if (dot != std::string_view::npos) {
    auto index = ParseU64(id.substr(dot + 1));
    if (!index || *index > UINT32_MAX) return BadRequest("not an event id: " + from);
    w.after_index = static_cast<uint32_t>(*index);
    id = id.substr(0, dot);
  }
  auto vp = ParseVolumePosition(id);
  if (!vp) return BadRequest("not a position or an event id: " + from);
  w.after_volume = vp->volume;
  w.after_pos = vp->pos;
  return w;
}

// If-Match: * (the target exists) or a list of ETags compared strongly, at
// apply time: the target's version must be one of the listed ones. A weak
// ETag, or one that names no version, never matches (412 at apply time,
// like a version that is not the file's).
Result<std::optional<Condition>> IfMatch(const HttpRequest& req, const std::string& path) {
  auto it = req.headers.find(std::string_view("if-match"));
  if (it == req.headers.end()) return std::optional<Condition>();
  std::string_view v = it->second;
  if (v == "*") return std::optional<Condition>(Condition::Exists(path, true));
  auto tags = ParseEtagList(v);
  if (!tags) return BadRequest("If-Match must be * or a list of quoted ETags");
  std::vector<Position> versions;
  for (const auto& t : *tags) {
    if (t.substr(0, 2) == "W/") continue;
    auto p = Position::Parse(std::string_view(t).substr(1, t.size() - 2));
    if (p && std::find(versions.begin(), versions.end(), *p) == versions.end())
      versions.push_back(*p);
  }
  if (versions.size() > kMaxVersionsPerCondition) {
    return BadRequest("If-Match lists more than " + std::to_string(kMaxVersionsPerCondition) +
                      " ETags");
  }
  // No version a file can have: the zero position is never one.
  if (versions.empty()) return std::optional<Condition>(Condition::Version(path, Position{}));
  if (versions.size() == 1) return std::optional<Condition>(Condition::Version(path, versions[0]));
  return std::optional<Condition>(Condition::VersionIn(path, std::move(versions)));
}

}  // namespace

Status AddConditions(const HttpRequest& req, const std::string& path, Entry* e) {
  auto im = IfMatch(req, path);
  if (!im.ok()) return im.status();
  if (*im) e->conditions.push_back(**im);
  auto inm = req.header("if-none-match");
  if (!inm.empty()) {
    if (inm != "*") return BadRequest("only If-None-Match: * is supported");
    e->conditions.push_back(Condition::Exists(path, false));
  }
  auto size = req.header("x-walfs-if-size");
  if (!size.empty()) {
    auto n = ParseU64(size);
    if (!n) return BadRequest("X-Walfs-If-Size must be a non-negative integer");
    e->conditions.push_back(Condition::Size(path, *n));
  }
  return Status::Ok();
}

namespace {

Result<Op> ParseFsOp(const HttpRequest& req, const Query& q, const std::string& path) {
  if (req.method != "POST" && Get(q, "op") != nullptr) {
    // PUT ?op=append must not replace the file, nor DELETE ?op=... delete it.
    return BadRequest(req.method + " takes no op: use POST for ?op=");
  }
  if (req.method == "PUT") return Op::Put(path, req.body);
  if (req.method == "DELETE") {
    auto r = Flag(q, "recursive");
    if (!r.ok()) return r.status();
    return Op::Delete(path, *r);
  }
  const std::string* op = Get(q, "op");
  if (op == nullptr) {
    return BadRequest("POST needs ?op=append|write|truncate|rename|mkdir|setattr|symlink");
  }
  if (*op == "append") return Op::Append(path, req.body);
  if (*op == "mkdir") return Op::Mkdir(path);
  if (*op == "setattr") {
    AttrChange a;
    for (std::string_view f : kAttrFields) {
      if (const std::string* v = Get(q, f)) WALFS_RETURN_IF_ERROR(SetAttrField(f, *v, &a));
    }
    if (a == AttrChange{})
      return BadRequest("op=setattr needs mode, uid, gid, atime_ms or mtime_ms");
    return Op::SetAttr(path, a);
  }
  if (*op == "symlink") {
    const std::string* target = Get(q, "target");
    if (target == nullptr) return BadRequest("op=symlink needs target=WHERE (percent-encoded)");
    return Op::Symlink(path, *target);
  }
  if (*op == "write") {
    auto off = Number(q, "offset");
    if (!off.ok()) return off.status();
    if (!*off) return BadRequest("op=write needs offset=N");
    return Op::Write(path, **off, req.body);
  }
  if (*op == "truncate") {
    auto size = Number(q, "size");
    if (!size.ok()) return size.status();
    if (!*size) return BadRequest("op=truncate needs size=N");
    return Op::Truncate(path, **size);
  }
  if (*op == "rename") {
    const std::string* to = Get(q, "to");
    if (to == nullptr) return BadRequest("op=rename needs to=/new/path");
    if (to->empty() || to->front() != '/')
      return BadRequest("to must be an absolute path (/new/path)");
    auto dst = NormalizePath(*to);
    if (!dst.ok()) return dst.status();
    auto ow = Flag(q, "overwrite");
    if (!ow.ok()) return ow.status();
    return Op::Rename(path, *dst, *ow);
  }
  return BadRequest("unknown op '" + *op + "'");
}

Status ParseWriteOptions(const HttpRequest& req, const Query& q, const ServerOptions& o,
                         WriteCommand* w) {
  if (const auto* ack = Get(q, "ack")) {
    if (*ack != "applied" && *ack != "log") return BadRequest("ack must be applied or log");
    w->ack_log = *ack == "log";
  }
  auto t = Number(q, "timeout_ms");
  if (!t.ok()) return t.status();
  w->timeout_ms = static_cast<uint32_t>(
      std::min<uint64_t>(t->value_or(o.wait_timeout_ms_default), o.wait_timeout_ms_max));
  auto it = req.headers.find(std::string_view("idempotency-key"));
  if (it != req.headers.end()) {
    std::string_view key = it->second;
    if (key.empty())
      return BadRequest(
          "Idempotency-Key is empty: send 1 to 128 printable ASCII bytes, or no header");
    if (key.size() > kMaxIdempotencyKeyBytes)
      return BadRequest("Idempotency-Key is longer than 128 bytes");
    for (char c : key) {
      if (c < 0x21 || c > 0x7e) return BadRequest("Idempotency-Key must be printable ASCII");
    }
    w->entry.idempotency_key = std::string(key);
  }
  return Status::Ok();
}

constexpr std::string_view kUploadsPath = "/v1/uploads";

// /v1/uploads/{id}[/parts/{n} | /commit] -> id, and what follows it.
struct UploadPath {
  std::string_view id, rest;
};
std::optional<UploadPath> SplitUploadPath(std::string_view path) {
  if (path.substr(0, kUploadsPath.size() + 1) != "/v1/uploads/") return std::nullopt;
  std::string_view tail = path.substr(kUploadsPath.size() + 1);
  size_t slash = tail.find('/');
  UploadPath u{tail.substr(0, slash), slash == std::string_view::npos ? "" : tail.substr(slash)};
  if (u.id.empty()) return std::nullopt;
  if (u.rest.empty() || u.rest == "/commit") return u;
  if (u.rest.substr(0, 7) == "/parts/" && u.rest.size() > 7 &&
      u.rest.find('/', 7) == std::string_view::npos) {
    return u;
  }
  return std::nullopt;
}

Result<OpType> ParseTarget(std::string_view op) {
  if (op == "put") return OpType::kPut;
  if (op == "append") return OpType::kAppend;
  if (op == "write") return OpType::kWrite;
  return BadRequest("op must be put, append or write");
}

Status ParseUploadCreate(const HttpRequest& req, UploadCommand* u) {
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return BadRequest("the body must be a JSON object: {\"path\":\"/a\",\"op\":\"put\"}");
  }
  auto path = j.find("path");
  if (path == j.end() || !path->is_string()) return BadRequest("path must be a string");
  const std::string& raw = path->get_ref<const std::string&>();
  if (raw.empty() || raw.front() != '/') return BadRequest("path must be absolute (/a/b)");
  auto canonical = NormalizePath(raw);
  if (!canonical.ok()) return canonical.status();
  u->path = *canonical;
  auto op = j.find("op");
  if (op != j.end()) {
    if (!op->is_string()) return BadRequest("op must be put, append or write");
    auto t = ParseTarget(op->get_ref<const std::string&>());
    if (!t.ok()) return t.status();
    u->target = *t;
  }
  auto off = j.find("offset");
  if (off != j.end() && !off->is_number_unsigned()) {
    return BadRequest("offset must be a non-negative integer");
  }
  if (u->target == OpType::kWrite) {
    if (off == j.end()) return BadRequest("op write needs an offset");
    u->offset = off->get<uint64_t>();
  }
  return Status::Ok();
}

Status ParseCommitParts(const HttpRequest& req, UploadCommand* u) {
  if (req.body.empty()) return Status::Ok();
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return BadRequest("the body must be a JSON object: {\"parts\":[1,2]}, or empty");
  }
  auto parts = j.find("parts");
  if (parts == j.end()) return Status::Ok();
  if (!parts->is_array()) return BadRequest("parts must be an array of part numbers");
  if (parts->size() > kMaxPartsPerUpload) return BadRequest("too many parts");
  for (const auto& n : *parts) {
    if (!n.is_number_unsigned() || n.get<uint64_t>() < 1 ||
        n.get<uint64_t>() > kMaxPartsPerUpload) {
      return BadRequest("part numbers are 1 to " + std::to_string(kMaxPartsPerUpload));
    }
    u->parts.push_back(n.get<uint32_t>());
  }
  if (u->parts.empty()) return BadRequest("parts is empty: list at least one, or send no body");
  return Status::Ok();
}

Result<ParsedRequest> ParseUploadRequest(const HttpRequest& req, const Query& q,
                                         std::string_view path, const ServerOptions& o) {
  ParsedRequest p;
  UploadCommand& u = p.upload;
  if (path == kUploadsPath) {
    if (req.method == "POST") {
      p.route = Route::kUploadCreate;
      WALFS_RETURN_IF_ERROR(ParseUploadCreate(req, &u));
      return p;
    }
    p.route = Route::kUploadList;
    u.path = "/";
    if (const auto* prefix = Get(q, "path")) {
      auto canonical = NormalizePath(*prefix);
      if (!canonical.ok()) return canonical.status();
      u.path = *canonical;
    }
    return p;
  }
  auto split = SplitUploadPath(path);
  auto id = PercentDecode(split->id);
  if (!id.ok()) return id.status();
  u.id = *id;
  if (split->rest.empty()) {
    p.route = req.method == "DELETE" ? Route::kUploadAbort : Route::kUploadGet;
    return p;
  }
  if (split->rest == "/commit") {
    p.route = Route::kUploadCommit;
    WALFS_RETURN_IF_ERROR(ParseCommitParts(req, &u));
    WALFS_RETURN_IF_ERROR(ParseWriteOptions(req, q, o, &p.write));
    u.has_conditions = !req.header("if-match").empty() || !req.header("if-none-match").empty() ||
                       !req.header("x-walfs-if-size").empty();
    return p;
  }
  p.route = Route::kUploadPart;
  auto n = ParseU64(split->rest.substr(7));
  if (!n || *n < 1 || *n > kMaxPartsPerUpload) {
    return BadRequest("part numbers are 1 to " + std::to_string(kMaxPartsPerUpload));
  }
  u.part = static_cast<uint32_t>(*n);
  auto t = Number(q, "timeout_ms");
  if (!t.ok()) return t.status();
  p.write.timeout_ms = static_cast<uint32_t>(
      std::min<uint64_t>(t->value_or(o.wait_timeout_ms_default), o.wait_timeout_ms_max));
  return p;
}

}  // namespace

bool StreamsBody(std::string_view method, std::string_view target,
                 std::optional<uint64_t> content_length, const ServerOptions& o) {
  std::string_view path = target.substr(0, target.find('?'));
  if (method == "PUT" && SplitUploadPath(path) && path.find("/parts/") != std::string_view::npos) {
    return true;
  }
  if (path.substr(0, 7) != "/v1/fs/") return false;
  if (content_length && *content_length <= o.entry_bytes_max) return false;
  if (method == "PUT") return target.find("op=") == std::string_view::npos;
  if (method != "POST") return false;
  return target.find("op=append") != std::string_view::npos ||
         target.find("op=write") != std::string_view::npos;
}

RequestSubject SubjectOf(std::string_view method, std::string_view target) {
  using Kind = RequestSubject::Kind;
  auto qmark = target.find('?');
  std::string_view path = target.substr(0, qmark);
  if (path == "/v1/tx") return {Kind::kBody, ""};
  if (path == "/v1/watch") {
    auto query = ParseQuery(qmark == std::string_view::npos ? "" : target.substr(qmark + 1));
    const std::string* watched = query.ok() ? Get(*query, "path") : nullptr;
    auto canonical = NormalizePath(watched != nullptr ? *watched : "");
    if (!canonical.ok()) return {};
    return {Kind::kPath, *canonical};
  }
  if (path == kUploadsPath) {
    if (method == "POST") return {Kind::kBody, ""};
    auto query = ParseQuery(qmark == std::string_view::npos ? "" : target.substr(qmark + 1));
    const std::string* prefix = query.ok() ? Get(*query, "path") : nullptr;
    auto canonical = NormalizePath(prefix != nullptr ? *prefix : "/");
    if (!canonical.ok()) return {};
    return {Kind::kPath, *canonical};
  }
  if (auto split = SplitUploadPath(path)) {
    auto id = PercentDecode(split->id);
    if (!id.ok()) return {};
    return {Kind::kUploadId, *id};
  }
  if (path != "/v1/fs" && path.substr(0, 7) != "/v1/fs/") return {};
  auto fs_path = CanonicalFsPath(path);
  if (!fs_path.ok()) return {};
  return {Kind::kPath, *fs_path};
}

Result<ParsedRequest> ParseRequest(const HttpRequest& req, const ServerOptions& o) {
  std::string_view target = req.target;
  auto qmark = target.find('?');
  std::string_view path = target.substr(0, qmark);
  auto query = ParseQuery(qmark == std::string_view::npos ? "" : target.substr(qmark + 1));
  if (!query.ok()) return query.status();
  ParsedRequest p;
  std::string_view allow = AllowedMethods(path);
  if (allow.empty()) return Status(Code::kNotFound, "no such endpoint: " + std::string(path));
  if (!MethodAllowed(req.method, allow)) {
    return Status(Code::kMethodNotAllowed, "method " + req.method + " is not allowed on " +
                                               std::string(path) + "; use " + std::string(allow));
  }
  bool read = req.method == "GET" || req.method == "HEAD";
  if (path == "/healthz" || path == "/readyz") {
    p.route = path == "/healthz" ? Route::kHealthz : Route::kReadyz;
    return p;
  }
  if (path == "/metrics" || path == "/v1/cluster") {
    p.route = path == "/metrics" ? Route::kMetrics : Route::kCluster;
    return p;
  }
  if (path == "/v1/admin/snapshots") {
    p.route = read ? Route::kSnapshotsList : Route::kSnapshotsTake;
    return p;
  }
  if (path == kUploadsPath || path.substr(0, kUploadsPath.size() + 1) == "/v1/uploads/") {
    return ParseUploadRequest(req, *query, path, o);
  }
  if (path == "/ui" || path.substr(0, 4) == "/ui/") {
    p.route = Route::kConsole;
    p.console_asset = std::string(path.substr(std::min<size_t>(path.size(), 4)));
    return p;
  }
  if (path == "/v1/watch") {
    p.route = Route::kWatch;
    auto w = ParseWatch(req, *query);
    if (!w.ok()) return w.status();
    p.watch = std::move(w).value();
    return p;
  }
  if (path == "/v1/tx") {
    p.route = Route::kTx;
    auto e = ParseTransaction(req.body);
    if (!e.ok()) return e.status();
    p.write.entry = std::move(e).value();
    p.write.is_tx = true;
    WALFS_RETURN_IF_ERROR(ParseWriteOptions(req, *query, o, &p.write));
    return p;
  }
  auto fs_path = CanonicalFsPath(path);
  if (!fs_path.ok()) return fs_path.status();
  if (read) {
    if (Get(*query, "op") != nullptr)
      return BadRequest(req.method + " takes no op: use POST for ?op=");
    p.route = Route::kFsRead;
    auto b = ParseBarrier(req, *query, o);
    if (!b.ok()) return b.status();
    p.barrier = *b;
    auto r = ParseRead(req, *query, *fs_path, o);
    if (!r.ok()) return r.status();
    p.read = std::move(r).value();
    return p;
  }
  p.route = Route::kFsWrite;
  auto op = ParseFsOp(req, *query, *fs_path);
  if (!op.ok()) return op.status();
  if (req.s3 && (op->type == OpType::kPut || op->type == OpType::kAppend)) {
    op->meta = req.s3->meta;
    p.write.md5_etag = req.s3->md5_etag && op->type == OpType::kPut;
    p.write.trailer_checksums = op->type == OpType::kPut;
  }
  WALFS_RETURN_IF_ERROR(AddConditions(req, *fs_path, &p.write.entry));
  p.write.entry.ops.push_back(std::move(op).value());
  WALFS_RETURN_IF_ERROR(ParseWriteOptions(req, *query, o, &p.write));
  return p;
}

std::string_view AllowedMethods(std::string_view path) {
  if (path == "/v1/fs" || path.substr(0, 7) == "/v1/fs/") return "GET, HEAD, PUT, POST, DELETE";
  if (path == "/v1/tx") return "POST";
  if (path == "/v1/watch") return "GET";
  if (path == "/ui" || path.substr(0, 4) == "/ui/") return "GET, HEAD";
  if (path == "/v1/admin/snapshots") return "GET, HEAD, POST";
  if (path == kUploadsPath) return "GET, HEAD, POST";
  if (auto u = SplitUploadPath(path)) {
    if (u->rest.empty()) return "GET, HEAD, DELETE";
    return u->rest == "/commit" ? "POST" : "PUT";
  }
  for (std::string_view r : {"/healthz", "/readyz", "/metrics", "/v1/cluster"}) {
    if (path == r) return "GET, HEAD";
  }
  return "";
}

bool MethodAllowed(std::string_view method, std::string_view allow) {
  while (!allow.empty()) {
    size_t comma = allow.find(',');
    std::string_view m = allow.substr(0, comma);
    if (m == method) return true;
    if (comma == std::string_view::npos) break;
    allow.remove_prefix(comma + 2);  // ", "
  }
  return false;
}

std::string_view RouteLabel(std::string_view method, std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path.substr(0, 7) == "/v1/fs/" || path == "/v1/fs") {
    return method == "GET" || method == "HEAD" ? "fs_read" : "fs_write";
  }
  for (std::string_view r :
       {"/v1/tx", "/v1/watch", "/healthz", "/readyz", "/metrics", "/v1/cluster"}) {
    if (path == r) return r.substr(r.rfind('/') + 1);
  }
  if (path.substr(0, 10) == "/v1/admin/") return "admin";
  if (path == "/ui" || path.substr(0, 4) == "/ui/") return "ui";
  if (path == kUploadsPath || path.substr(0, 12) == "/v1/uploads/") return "uploads";
  return "other";
}

}  // namespace walfs
