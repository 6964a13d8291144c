#include "log/redis_log.h"

#include <hiredis/hiredis.h>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "core/path.h"

namespace walfs {
namespace {

// KEYS[1] stream; ARGV: payloads. Returns the new ids, in order.
constexpr const char* kAppendScript = R"lua(
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = '0-0'
if #last > 0 then prev = last[1][1] end
local ids = {}
for i = 1, #ARGV do
  prev = redis.call('XADD', KEYS[1], '*', 'p', prev, 'e', ARGV[i])
  ids[i] = prev
end
return ids
)lua";

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisConnection final : public LogConnection {
 public:
  RedisConnection(RedisAddress addr, LogOptions opts) : addr_(std::move(addr)), opts_(opts) {}
  ~RedisConnection() override {
    if (ctx_ != nullptr) redisFree(ctx_);
  }

  Status Connect();
  Result<std::vector<Position>> Append(const std::vector<std::string>& payloads) override;
  Result<std::vector<LogRecord>> Read(Position after, size_t max,
                                      std::chrono::milliseconds block) override;
  Result<Position> Last() override;
  Result<LogTail> Tail() override;
  Result<uint64_t> Bytes() override;
  Status Trim(Position min_keep) override;
  Status PutHeartbeat(const std::string& id, const std::string& json, uint32_t ttl_ms) override;
  Result<std::vector<std::string>> Heartbeats() override;
  Result<bool> AcquireLease(const std::string& name, const std::string& holder,
                            uint32_t ttl_ms) override;
  Status Seed(Position after, const std::string& empty_entry) override;

 private:
  std::string Key(const std::string& kind, const std::string& name) const {
    return addr_.stream + ":" + kind + ":" + name;
  }
  using Args = std::vector<std::string_view>;
  // Sends one command. A failure to connect is kLogUnavailable (nothing
  // reached Redis); a failure while sending or after is `after_send`, since
  // part of the command may have reached Redis.
  Result<Reply> Command(const Args& args, uint32_t timeout_ms, Code after_send);
  // Read-only commands are retried once on a fresh connection.
  Result<Reply> ReadCommand(const Args& args, uint32_t timeout_ms);
  // Writes args in Redis's protocol to the socket. hiredis would copy a
  // command twice into fresh buffers (formatting, then its output buffer),
  // which for the entries of a large write is most of what the proposer
  // does: the command is formatted once into a buffer that is reused.
  bool Send(const Args& args);
  // True if Redis closed this connection while it was idle.
  bool PeerClosed() const;
  Status LoadScript();
  void Drop() {
    if (ctx_ != nullptr) redisFree(ctx_);
    ctx_ = nullptr;
  }

  RedisAddress addr_;
  LogOptions opts_;
  redisContext* ctx_ = nullptr;
  std::string out_;  // the command being sent
  std::string sha_;
};

timeval Tv(uint32_t ms) {
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

Status RedisConnection::Connect() {
  if (ctx_ != nullptr) return Status::Ok();
  ctx_ = redisConnectWithTimeout(addr_.host.c_str(), addr_.port, Tv(opts_.connect_timeout_ms));
  if (ctx_ == nullptr || ctx_->err != 0) {
    std::string why = ctx_ != nullptr ? ctx_->errstr : "out of memory";
    Drop();
    return Status(Code::kLogUnavailable, "cannot reach Redis at " + addr_.host + ":" +
                                             std::to_string(addr_.port) + ": " + why);
  }
  if (!addr_.password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!addr_.user.empty()) auth.push_back(addr_.user);
    auth.push_back(addr_.password);
    auto r = Command(auth, opts_.command_timeout_ms, Code::kLogUnavailable);
    if (!r.ok()) {
      // Redis's answer (WRONGPASS ...) names neither; ours names the user.
      Drop();
      return Status(Code::kLogUnavailable,
                    "Redis at " + addr_.host + ":" + std::to_string(addr_.port) +
                        " refused the credentials of user '" +
                        (addr_.user.empty() ? std::string("default") : addr_.user) + "'");
    }
  }
  if (addr_.db != 0) {
    auto r = Command({"SELECT", std::to_string(addr_.db)}, opts_.command_timeout_ms,
                     Code::kLogUnavailable);
    if (!r.ok()) return r.status();
  }
  return LoadScript();
}

Status RedisConnection::LoadScript() {
  auto r =
      Command({"SCRIPT", "LOAD", kAppendScript}, opts_.command_timeout_ms, Code::kLogUnavailable);
  if (!r.ok()) return r.status();
  if ((*r)->type != REDIS_REPLY_STRING) return Status(Code::kLogUnavailable, "SCRIPT LOAD failed");
  sha_.assign((*r)->str, (*r)->len);
  return Status::Ok();
}

bool RedisConnection::Send(const Args& args) {
  out_.clear();
  size_t need = 16;
  for (auto a : args) need += a.size() + 24;
  if (out_.capacity() > (64u << 20) && need < out_.capacity() / 4) std::string().swap(out_);
  out_.reserve(need);
  out_ += '*';
  out_ += std::to_string(args.size());
  out_ += "\r\n";
  for (auto a : args) {
    out_ += '$';
    out_ += std::to_string(a.size());
    out_ += "\r\n";
    out_.append(a);
    out_ += "\r\n";
  }
  std::string_view left = out_;
  while (!left.empty()) {
    ssize_t n = ::send(ctx_->fd, left.data(), left.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ctx_->err = REDIS_ERR_IO;
      std::snprintf(ctx_->errstr, sizeof ctx_->errstr, "%s",
                    n == 0 ? "connection closed" : std::strerror(errno));
      return false;
    }
    left.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

Result<Reply> RedisConnection::Command(const Args& args, uint32_t timeout_ms, Code after_send) {
  if (ctx_ == nullptr) WALFS_RETURN_IF_ERROR(Connect());
  redisSetTimeout(ctx_, Tv(timeout_ms));
  void* raw = nullptr;
  Reply r(Send(args) && redisGetReply(ctx_, &raw) == REDIS_OK ? static_cast<redisReply*>(raw)
                                                              : nullptr);
  if (r == nullptr) {
    std::string why = ctx_->errstr;
    // An I/O error once the command was (partly) sent means it may or may
    // not have reached Redis.
    Code code = ctx_->err == REDIS_ERR_EOF || ctx_->err == REDIS_ERR_IO ? after_send
                                                                        : Code::kLogUnavailable;
    Drop();
    return Status(code, "Redis: " + why);
  }
  if (r->type == REDIS_REPLY_ERROR) {
    std::string why(r->str, r->len);
    if (why.rfind("NOSCRIPT", 0) == 0) return Status(Code::kNotFound, why);
    return Status(Code::kLogUnavailable, "Redis error: " + why);
  }
  return r;
}

bool RedisConnection::PeerClosed() const {
  if (ctx_ == nullptr) return false;
  pollfd p{ctx_->fd, POLLIN | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
  char c;
  return ::recv(ctx_->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

Result<Reply> RedisConnection::ReadCommand(const Args& args, uint32_t timeout_ms) {
  auto r = Command(args, timeout_ms, Code::kLogUnavailable);
  if (r.ok() || ctx_ != nullptr) return r;
  return Command(args, timeout_ms, Code::kLogUnavailable);  // the connection was dropped: once more
}

Result<Position> ParseId(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_STRING) {
    return Status(Code::kCorruption, "Redis returned a non-string stream id");
  }
  auto p = Position::Parse(std::string_view(r->str, r->len));
  if (!p) return Status(Code::kCorruption, "Redis returned a bad stream id");
  return *p;
}

Result<std::vector<Position>> RedisConnection::Append(const std::vector<std::string>& payloads) {
  // A connection Redis closed while idle (a restart) would turn this append
  // into an ambiguous failure: reconnect first, so that an unreachable
  // Redis is a clean "nothing was written".
  if (PeerClosed()) Drop();
  if (ctx_ == nullptr) WALFS_RETURN_IF_ERROR(Connect());
  for (int attempt = 0; attempt < 2; ++attempt) {
    Args args = {"EVALSHA", sha_, "1", addr_.stream};
    args.insert(args.end(), payloads.begin(), payloads.end());
    auto r = Command(args, opts_.command_timeout_ms, Code::kTimeout);
    if (!r.ok() && r.status().code() == Code::kNotFound) {
      // Redis restarted and forgot the script; the call did not run.
      WALFS_RETURN_IF_ERROR(LoadScript());
      continue;
    }
    if (!r.ok()) return r.status();
    if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != payloads.size()) {
      return Status(Code::kTimeout, "unexpected reply to the append script");
    }
    std::vector<Position> out;
    for (size_t i = 0; i < (*r)->elements; ++i) {
      auto p = ParseId((*r)->element[i]);
      if (!p.ok()) return p.status();
      out.push_back(*p);
    }
    return out;
  }
  return Status(Code::kLogUnavailable, "Redis keeps forgetting the append script");
}

// One stream entry: [id, [field, value, ...]].
Result<LogRecord> ParseEntry(const redisReply* e) {
  if (e->type != REDIS_REPLY_ARRAY || e->elements != 2) {
    return Status(Code::kCorruption, "malformed stream entry");
  }
  LogRecord rec;
  auto id = ParseId(e->element[0]);
  if (!id.ok()) return id.status();
  rec.pos = *id;
  const redisReply* f = e->element[1];
  bool has_p = false, has_e = false;
  for (size_t i = 0; f->type == REDIS_REPLY_ARRAY && i + 1 < f->elements; i += 2) {
    std::string_view name(f->element[i]->str, f->element[i]->len);
    const redisReply* v = f->element[i + 1];
    if (name == "p") {
      auto p = ParseId(v);
      if (!p.ok()) return p.status();
      rec.prev = *p;
      has_p = true;
    } else if (name == "e" && v->type == REDIS_REPLY_STRING) {
      rec.payload.assign(v->str, v->len);
      has_e = true;
    }
  }
  // An entry not written by walfs (no predecessor) cannot be chained.
  if (!has_p || !has_e) {
    return Status(Code::kCorruption,
                  "stream entry " + rec.pos.ToString() + " was not written by walfs");
  }
  return rec;
}

Result<std::vector<LogRecord>> RedisConnection::Read(Position after, size_t max,
                                                     std::chrono::milliseconds block) {
  auto ms = std::max<int64_t>(1, block.count());
  auto r = ReadCommand({"XREAD", "COUNT", std::to_string(max), "BLOCK", std::to_string(ms),
                        "STREAMS", addr_.stream, after.ToString()},
                       opts_.command_timeout_ms + static_cast<uint32_t>(ms));
  if (!r.ok()) return r.status();
  std::vector<LogRecord> out;
  if ((*r)->type == REDIS_REPLY_NIL) return out;
  if ((*r)->type != REDIS_REPLY_ARRAY || (*r)->elements != 1 ||
      (*r)->element[0]->type != REDIS_REPLY_ARRAY || (*r)->element[0]->elements != 2) {
    return Status(Code::kLogUnavailable, "unexpected XREAD reply");
  }
  const redisReply* entries = (*r)->element[0]->element[1];
  for (size_t i = 0; i < entries->elements; ++i) {
    auto rec = ParseEntry(entries->element[i]);
    if (!rec.ok()) return rec.status();
    out.push_back(std::move(rec).value());
  }
  return out;
}

Result<Position> RedisConnection::Last() {
  auto r =
      ReadCommand({"XREVRANGE", addr_.stream, "+", "-", "COUNT", "1"}, opts_.command_timeout_ms);
  if (!r.ok()) return r.status();
  if ((*r)->type != REDIS_REPLY_ARRAY) return Status(Code::kLogUnavailable, "bad XREVRANGE reply");
  if ((*r)->elements == 0) return Position{};
  const redisReply* e = (*r)->element[0];
  if (e->type != REDIS_REPLY_ARRAY || e->elements < 1) {
    return Status(Code::kLogUnavailable, "bad XREVRANGE reply");
  }
  return ParseId(e->element[0]);
}

// XINFO STREAM's reply is a flat list of field names and values.
Result<uint64_t> RedisConnection::Bytes() {
  auto r = ReadCommand({"MEMORY", "USAGE", addr_.stream}, opts_.command_timeout_ms);
  if (!r.ok()) return r.status();
  const redisReply* m = r->get();
  if (m->type == REDIS_REPLY_NIL) return uint64_t{0};  // never written
  if (m->type != REDIS_REPLY_INTEGER) return Status(Code::kLogUnavailable, "bad MEMORY reply");
  return static_cast<uint64_t>(m->integer);
}

Result<LogTail> RedisConnection::Tail() {
  auto r =
      Command({"XINFO", "STREAM", addr_.stream}, opts_.command_timeout_ms, Code::kLogUnavailable);
  LogTail t;
  if (!r.ok()) {
    // A stream that was never written does not exist yet: an empty log.
    if (r.status().message().find("no such key") != std::string::npos) return t;
    return r.status();
  }
  const redisReply* m = r->get();
  if (m->type != REDIS_REPLY_ARRAY) return Status(Code::kLogUnavailable, "bad XINFO reply");
  for (size_t i = 0; i + 1 < m->elements; i += 2) {
    if (m->element[i]->type != REDIS_REPLY_STRING) continue;
    std::string_view name(m->element[i]->str, m->element[i]->len);
    const redisReply* v = m->element[i + 1];
    if (name == "length" && v->type == REDIS_REPLY_INTEGER)
      t.length = static_cast<uint64_t>(v->integer);
    if (name == "entries-added" && v->type == REDIS_REPLY_INTEGER) {
      t.entries_added = static_cast<uint64_t>(v->integer);
    }
    if ((name == "first-entry" || name == "last-entry") && v->type == REDIS_REPLY_ARRAY &&
        v->elements >= 1) {
      auto id = ParseId(v->element[0]);
      if (!id.ok()) return id.status();
      (name == "first-entry" ? t.first : t.last) = *id;
    }
  }
  return t;
}

Status RedisConnection::Trim(Position min_keep) {
  auto r = Command({"XTRIM", addr_.stream, "MINID", min_keep.ToString()}, opts_.command_timeout_ms,
                   Code::kLogUnavailable);
  return r.ok() ? Status::Ok() : r.status();
}

Status RedisConnection::PutHeartbeat(const std::string& id, const std::string& json,
                                     uint32_t ttl_ms) {
  auto r = Command({"SET", Key("replica", id), json, "PX", std::to_string(ttl_ms)},
                   opts_.command_timeout_ms, Code::kLogUnavailable);
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::vector<std::string>> RedisConnection::Heartbeats() {
  std::vector<std::string> keys;
  std::string cursor = "0";
  do {
    auto r = ReadCommand({"SCAN", cursor, "MATCH", Key("replica", "*"), "COUNT", "1000"},
                         opts_.command_timeout_ms);
    if (!r.ok()) return r.status();
    const redisReply* m = r->get();
    if (m->type != REDIS_REPLY_ARRAY || m->elements != 2)
      return Status(Code::kLogUnavailable, "bad SCAN reply");
    cursor.assign(m->element[0]->str, m->element[0]->len);
    for (size_t i = 0; i < m->element[1]->elements; ++i) {
      keys.emplace_back(m->element[1]->element[i]->str, m->element[1]->element[i]->len);
    }
  } while (cursor != "0" && keys.size() < 10000);
  std::vector<std::string> out;
  if (keys.empty()) return out;
  Args args = {"MGET"};
  args.insert(args.end(), keys.begin(), keys.end());
  auto r = ReadCommand(args, opts_.command_timeout_ms);
  if (!r.ok()) return r.status();
  for (size_t i = 0; i < (*r)->elements; ++i) {
    const redisReply* v = (*r)->element[i];
    if (v->type == REDIS_REPLY_STRING) out.emplace_back(v->str, v->len);  // nil: expired meanwhile
  }
  return out;
}

// KEYS[1] lease; ARGV: holder, ttl ms. 1 if held by holder now.
constexpr const char* kLeaseScript = R"lua(
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
)lua";

Result<bool> RedisConnection::AcquireLease(const std::string& name, const std::string& holder,
                                           uint32_t ttl_ms) {
  auto r = Command({"EVAL", kLeaseScript, "1", Key("lease", name), holder, std::to_string(ttl_ms)},
                   opts_.command_timeout_ms, Code::kLogUnavailable);
  if (!r.ok()) return r.status();
  return (*r)->type == REDIS_REPLY_INTEGER && (*r)->integer == 1;
}

// KEYS[1] stream; ARGV: id, predecessor, payload. Only into an empty stream.
constexpr const char* kSeedScript = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('XLEN', KEYS[1]) > 0 then
  return redis.error_reply('NOTEMPTY the stream is not empty')
end
return redis.call('XADD', KEYS[1], ARGV[1], 'p', ARGV[2], 'e', ARGV[3])
)lua";

Status RedisConnection::Seed(Position after, const std::string& empty_entry) {
  Position id{after.ms, after.seq + 1};
  auto r = Command(
      {"EVAL", kSeedScript, "1", addr_.stream, id.ToString(), after.ToString(), empty_entry},
      opts_.command_timeout_ms, Code::kLogUnavailable);
  if (!r.ok()) {
    if (r.status().message().find("NOTEMPTY") != std::string::npos) {
      return Status(Code::kAlreadyExists, "the stream " + addr_.stream + " is not empty");
    }
    return r.status();
  }
  return Status::Ok();
}

}  // namespace

std::string RedactRedisUrl(const std::string& url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.rfind(kScheme, 0) != 0) return url;
  size_t at = url.find('@', kScheme.size());
  size_t end = url.find_first_of("/?", kScheme.size());
  if (at == std::string::npos || (end != std::string::npos && at > end)) return url;
  size_t colon = url.find(':', kScheme.size());
  if (colon == std::string::npos || colon > at) return url;  // a user, no password
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

Result<RedisAddress> ParseRedisUrl(const std::string& url) {
  constexpr std::string_view kScheme = "redis://";
  auto bad = [&](const char* why) {
    return Status(Code::kBadRequest, "bad log URL '" + RedactRedisUrl(url) + "': " + why);
  };
  if (url.rfind(kScheme, 0) != 0) return bad("it must start with redis://");
  RedisAddress a;
  std::string rest = url.substr(kScheme.size());
  // user:password@ before the host (the last '@' before any '/' or '?').
  size_t at = rest.substr(0, rest.find_first_of("/?")).rfind('@');
  if (at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = userinfo.find(':');
    if (colon == std::string::npos) return bad("credentials are user:password@ or :password@");
    auto user = PercentDecode(userinfo.substr(0, colon));
    auto password = PercentDecode(userinfo.substr(colon + 1));
    if (!user.ok() || !password.ok()) return bad("bad %-escape in the credentials");
    if (password->empty()) return bad("the password is empty");
    a.user = *user;
    a.password = *password;
  }
  auto q = rest.find('?');
  if (q != std::string::npos) {
    std::string query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (query.rfind("stream=", 0) != 0 || query.size() == 7)
      return bad("the only option is stream=NAME");
    a.stream = query.substr(7);
  }
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    std::string db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) {
      auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), a.db);
      if (ec != std::errc() || p != db.data() + db.size() || a.db < 0) return bad("bad db number");
    }
  }
  auto colon = rest.rfind(':');
  if (colon != std::string::npos) {
    std::string port = rest.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
    if (ec != std::errc() || p != port.data() + port.size() || a.port <= 0 || a.port > 65535) {
      return bad("bad port");
    }
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) a.host = rest;
  return a;
}

Result<std::unique_ptr<LogConnection>> RedisLog::Connect() {
  auto c = std::make_unique<RedisConnection>(addr_, opts_);
  // A connection that cannot reach Redis yet still works: it connects
  // lazily on its next command, so callers can retry through it.
  Status st = c->Connect();
  (void)st;
  return std::unique_ptr<LogConnection>(std::move(c));
}

std::string RedisLog::Describe() const {
  std::string who;
  if (!addr_.password.empty()) who = PercentEncode(addr_.user, false) + ":***@";
  return "redis://" + who + addr_.host + ":" + std::to_string(addr_.port) + "/" +
         std::to_string(addr_.db) + "?stream=" + addr_.stream;
}

}  // namespace walfs
