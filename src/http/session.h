// Session: one HTTP/1.1 connection. Reads each request (the first bytes
// within the idle timeout, the header block within the I/O timeout; a body
// over its route's limit answered 413 before it is read), answers malformed
// ones with the contract's JSON errors (400, 414, 431), hands the rest to
// Api::Handle and writes the answers, streaming file bodies chunk by chunk
// with back-pressure. Past the connection limit, a few connections more are
// kept for /healthz and /readyz; beyond those, 503.
//
// A template over the stream: the server runs it over tcp::socket
// (server.cc); tests run it in memory over beast::test::stream. A stream
// type says how to close it and how to end its sending side through
// StreamOps.
// Thread-safety: a session runs on one io_context thread; SessionContext's
// counters are shared by all of them.
#pragma once

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/file_meta.h"
#include "http/api.h"
#include "http/body_reader.h"
#include "http/errors.h"
#include "http/frontend.h"
#include "http/live_body.h"
#include "http/message.h"
#include "http/util.h"
#include "http/verified_body.h"
#include "runtime/mutex.h"
#include "runtime/wall_clock.h"

namespace walfs {

// How to close a stream (ending whatever read or write is pending), how
// to end its sending side (the peer reads end-of-stream), and how to keep
// the kernel's send buffer small for a live body (so that a client that
// reads slowly holds little there and its watch sees it fall behind).
template <class Stream>
struct StreamOps;

template <>
struct StreamOps<boost::asio::ip::tcp::socket> {
  static void Close(boost::asio::ip::tcp::socket& s) {
    boost::system::error_code ec;
    s.close(ec);
  }
  static void ShutdownSend(boost::asio::ip::tcp::socket& s) {
    boost::system::error_code ec;
    s.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  }
  static void LimitSendBuffer(boost::asio::ip::tcp::socket& s, int bytes) {
    boost::system::error_code ec;
    s.set_option(boost::asio::socket_base::send_buffer_size(bytes), ec);
  }
};

// What every session of a listener shares.
struct SessionContext {
  SessionContext(const ServerOptions& o, Frontend* f, NodePort* n)
      : opts(o), frontend(f), node(n) {}
  const ServerOptions& opts;
  Frontend* frontend;  // what the listener speaks: the HTTP API, S3
  NodePort* node;
  std::atomic<size_t> connections{0};
  std::atomic<size_t> in_flight{0};

  // Connections from one client address: false (and nothing counted) past
  // connections_per_address_max.
  bool EnterAddress(const std::string& a) {
    MutexLock lock(&mu);
    size_t& n = per_address[a];
    if (n >= opts.connections_per_address_max) {
      if (n == 0) per_address.erase(a);
      return false;
    }
    ++n;
    return true;
  }
  void LeaveAddress(const std::string& a) {
    MutexLock lock(&mu);
    auto it = per_address.find(a);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
  }
  Mutex mu;
  std::unordered_map<std::string, size_t> per_address GUARDED_BY(mu);
};

namespace session {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Steady = std::chrono::steady_clock;

// What the first read of a request asks for: a whole small request.
constexpr size_t kFirstReadBytes = 16 << 10;
// The kernel's send buffer under a live body (Linux doubles it).
constexpr int kLiveSendBufferBytes = 64 << 10;

// One connection: its stream, and the deadline its watchdog enforces. The
// watchdog wakes every watchdog_interval_ms and closes the stream once the
// deadline has passed, which ends whatever read or write is pending;
// arming a timer per read and write instead (beast::tcp_stream's timeouts)
// cost a timer insertion and cancellation per operation.
template <class Stream>
struct Conn {
  Conn(Stream s, std::chrono::milliseconds interval)
      : stream(std::move(s)), watchdog(stream.get_executor()), watchdog_interval(interval) {}
  void ExpiresAfter(std::chrono::milliseconds d) { deadline = Steady::now() + d; }

  Stream stream;
  asio::steady_timer watchdog;
  std::chrono::milliseconds watchdog_interval;
  Steady::time_point deadline = Steady::time_point::max();
  bool done = false;
};

template <class Stream>
asio::awaitable<void> Watchdog(std::shared_ptr<Conn<Stream>> c) {
  boost::system::error_code ec;
  while (!c->done) {
    c->watchdog.expires_after(c->watchdog_interval);
    co_await c->watchdog.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!c->done && Steady::now() > c->deadline) {
      StreamOps<Stream>::Close(c->stream);
      co_return;
    }
  }
}

// After an early answer, discard what the client is still sending (bounded
// in bytes and time) before closing, so that the close does not reset the
// connection and destroy the answer before the client reads it.
template <class Stream>
asio::awaitable<void> Linger(Conn<Stream>& c, const ServerOptions& o) {
  StreamOps<Stream>::ShutdownSend(c.stream);
  std::vector<char> sink(64 << 10);
  uint64_t drained = 0;
  c.ExpiresAfter(std::chrono::milliseconds(o.linger_ms));
  boost::system::error_code ec;
  while (!ec && drained < o.linger_bytes_max) {
    size_t n = co_await c.stream.async_read_some(asio::buffer(sink),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    drained += n;
  }
}

template <class Stream>
asio::awaitable<void> WriteSimple(Conn<Stream>& c, const ServerOptions& o, HttpResponse resp,
                                  unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(resp.status), version};
  res.set(http::field::server, "walfs");
  for (auto& [k, v] : resp.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.body() = std::move(resp.body);
  res.prepare_payload();
  c.ExpiresAfter(std::chrono::milliseconds(o.io_timeout_ms));
  co_await http::async_write(c.stream, res, asio::use_awaitable);
}

// A live body, chunked: each chunk as Next() makes it. While Next waits
// (for changes) the connection has no deadline; each write has the I/O
// timeout, so a client that stops reading is cut off.
template <class Stream>
asio::awaitable<void> WriteLive(Conn<Stream>& c, const ServerOptions& o, HttpResponse resp,
                                unsigned version) {
  http::response<http::empty_body> res{static_cast<http::status>(resp.status), version};
  res.set(http::field::server, "walfs");
  for (auto& [k, v] : resp.headers) res.set(k, v);
  res.keep_alive(false);
  res.chunked(true);
  StreamOps<Stream>::LimitSendBuffer(c.stream, kLiveSendBufferBytes);
  http::response_serializer<http::empty_body> sr{res};
  c.ExpiresAfter(std::chrono::milliseconds(o.io_timeout_ms));
  co_await http::async_write_header(c.stream, sr, asio::use_awaitable);
  for (;;) {
    c.deadline = Steady::time_point::max();
    std::optional<std::string> chunk = co_await resp.live->Next();
    if (!chunk) break;
    if (chunk->empty()) continue;
    c.ExpiresAfter(std::chrono::milliseconds(o.io_timeout_ms));
    co_await asio::async_write(c.stream, http::make_chunk(asio::buffer(*chunk)),
                               asio::use_awaitable);
  }
  c.ExpiresAfter(std::chrono::milliseconds(o.io_timeout_ms));
  co_await asio::async_write(c.stream, http::make_chunk_last(), asio::use_awaitable);
}

template <class Stream>
asio::awaitable<void> WriteResponse(Conn<Stream>& c, const ServerOptions& o, HttpResponse resp,
                                    unsigned version, bool keep_alive) {
  if (resp.live) {
    co_await WriteLive(c, o, std::move(resp), version);
    co_return;
  }
  if (!resp.stream && !resp.head_length) {
    co_await WriteSimple(c, o, std::move(resp), version, keep_alive);
    co_return;
  }
  http::response<http::empty_body> res{static_cast<http::status>(resp.status), version};
  res.set(http::field::server, "walfs");
  for (auto& [k, v] : resp.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.content_length(resp.stream ? resp.stream->length : *resp.head_length);
  http::response_serializer<http::empty_body> sr{res};
  c.ExpiresAfter(std::chrono::milliseconds(o.io_timeout_ms));
  co_await http::async_write_header(c.stream, sr, asio::use_awaitable);
  if (!resp.stream) co_return;
  std::string chunk;
  while (resp.stream->length > 0) {
    Status st = Api::NextChunk(&*resp.stream, o.read_chunk_bytes, &chunk);
    if (!st.ok()) throw std::runtime_error(st.ToString());  // cut the connection
    c.ExpiresAfter(std::chrono::milliseconds(o.io_timeout_ms));
    co_await asio::async_write(c.stream, asio::buffer(chunk), asio::use_awaitable);
  }
}

// A request that could not be parsed is answered (the contract's JSON
// error) before the connection closes: 431 for a header block over the
// limit, 414 when the request line alone is, 400 for anything else
// malformed. A client that went away or timed out gets nothing.
template <class Stream>
asio::awaitable<void> AnswerMalformed(Conn<Stream>& c, const ServerOptions& o, const Frontend& f,
                                      boost::system::error_code ec, bool request_line_complete) {
  if (ec.category() != beast::http::make_error_code(http::error::bad_method).category() ||
      ec == http::error::end_of_stream) {
    co_return;
  }
  HttpResponse r;
  if (ec == http::error::header_limit) {
    std::string limit = std::to_string(o.header_bytes_max);
    r = request_line_complete
            ? f.SessionError(431, "bad_request",
                             "the request's header block is over " + limit + " bytes")
            : f.SessionError(414, "bad_request", "the request line is over " + limit + " bytes");
  } else {
    r = f.SessionError(400, "bad_request", "malformed HTTP request: " + ec.message());
  }
  co_await WriteSimple(c, o, std::move(r), 11, false);
  co_await Linger(c, o);
}

// A request body read through its parser as it arrives, into the caller's
// buffer: the connection's I/O timeout applies to each read, not to the
// waits between them (for the log, for the applier).
template <class Stream>
class ParserBodyReader final : public BodyReader {
 public:
  ParserBodyReader(Conn<Stream>& c, beast::flat_buffer& buf,
                   http::request_parser<http::buffer_body>& parser, const ServerOptions& o,
                   uint64_t limit)
      : c_(c), buf_(buf), parser_(parser), o_(o), limit_(limit) {}

  asio::awaitable<Result<size_t>> Read(char* out, size_t max) override {
    while (!parser_.is_done() && max > 0) {
      parser_.get().body().data = out;
      parser_.get().body().size = max;
      c_.ExpiresAfter(std::chrono::milliseconds(o_.io_timeout_ms));
      boost::system::error_code ec;
      co_await http::async_read(c_.stream, buf_, parser_,
                                asio::redirect_error(asio::use_awaitable, ec));
      c_.deadline = Steady::time_point::max();
      if (ec == http::error::need_buffer) ec = {};
      if (ec == http::error::body_limit) {
        co_return Status(Code::kTooLarge,
                         "the request body is over the " + std::to_string(limit_) + "-byte limit");
      }
      if (ec) {
        co_return Status(Code::kBadRequest, "the request body was cut short or is malformed (" +
                                                ec.message() + "); nothing of it was written");
      }
      size_t n = max - parser_.get().body().size;
      if (n > 0) co_return n;
    }
    co_return size_t{0};
  }

 private:
  Conn<Stream>& c_;
  beast::flat_buffer& buf_;
  http::request_parser<http::buffer_body>& parser_;
  const ServerOptions& o_;
  uint64_t limit_;
};

// A request whose body is streamed into an upload (StreamsBody): the
// handler reads the body as it goes. A connection whose body was not read
// to its end closes after the answer.
template <class Stream>
asio::awaitable<bool> ServeStreamed(SessionContext& ctx, Conn<Stream>& c, beast::flat_buffer& buf,
                                    http::request_parser<http::string_body>&& header_parser,
                                    HttpRequest req, uint64_t limit, Identity identity, bool last) {
  const ServerOptions& o = ctx.opts;
  http::request_parser<http::buffer_body> parser(std::move(header_parser));
  parser.body_limit(limit);
  req.principal = std::move(identity.principal);
  bool keep_alive = parser.get().keep_alive() && !last;
  unsigned version = parser.get().version();
  std::string method = req.method, target = req.target;
  ParserBodyReader<Stream> raw(c, buf, parser, o, limit);
  VerifiedBodyReader body(raw, identity.payload);
  ++ctx.in_flight;
  c.deadline = Steady::time_point::max();
  HttpResponse resp;
  try {
    resp = co_await ctx.frontend->HandleStreamed(std::move(req), body);
  } catch (const std::exception& e) {
    resp = ctx.frontend->SessionError(500, "internal", "unexpected error");
    spdlog::error("request failed: {}", e.what());
  }
  --ctx.in_flight;
  ctx.node->metrics().ObserveRequest(ctx.frontend->MetricsRoute(method, target), method,
                                     resp.status);
  bool whole = parser.is_done();
  co_await WriteResponse(c, o, std::move(resp), version, keep_alive && whole);
  if (!whole) {
    co_await Linger(c, o);
    co_return false;
  }
  co_return keep_alive;
}

// One request and its answer; false when the connection should close.
// probes_only: answer /healthz and /readyz, refuse anything else (503).
// last: the connection's last request (requests_per_connection_max).
template <class Stream>
asio::awaitable<bool> Serve(SessionContext& ctx, Conn<Stream>& c, beast::flat_buffer& buf,
                            const std::string& client, bool probes_only, bool last = false) {
  const ServerOptions& o = ctx.opts;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(o.header_bytes_max));
  // The body limit depends on the route; it is checked after the header.
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  boost::system::error_code ec;
  if (buf.size() == 0) {
    // Idle between requests: up to idle_timeout_ms for the first bytes.
    // This read is the request's first (usually its only) read: the header
    // parse below finds them in the buffer. (Waiting for readability
    // instead cost a reactor round per request: appends/s fell by half.)
    c.ExpiresAfter(std::chrono::milliseconds(o.idle_timeout_ms));
    size_t n = co_await c.stream.async_read_some(buf.prepare(kFirstReadBytes),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    buf.commit(n);
  }
  // From its first byte, the whole header block must arrive within
  // io_timeout_ms: a client that trickles it cannot hold the connection.
  c.ExpiresAfter(std::chrono::milliseconds(o.io_timeout_ms));
  co_await http::async_read_header(c.stream, buf, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    // Beast consumes the request line once parsed (the target is then set).
    co_await AnswerMalformed(c, o, *ctx.frontend, ec, !parser.get().target().empty());
    co_return false;
  }
  auto& h = parser.get();
  if (probes_only) {
    std::string_view t(h.target().data(), h.target().size());
    if (t != "/healthz" && t != "/readyz") {
      co_await WriteSimple(c, o,
                           ctx.frontend->SessionError(503, "not_ready", "too many connections"),
                           h.version(), false);
      co_await Linger(c, o);
      co_return false;
    }
  }
  // Credentials and rights are checked on the head: a refused request's
  // body is never read (the connection closes after the answer).
  // The head, converted once: admitted here, completed with its body below.
  HttpRequest req = FromHeader(h);
  Identity identity;
  if (!probes_only) {
    Frontend::Admission a = ctx.frontend->Admit(req, client, WallClockMs());
    if (a.refusal) {
      co_await WriteSimple(c, o, std::move(*a.refusal), h.version(), false);
      co_await Linger(c, o);
      co_return false;
    }
    identity = std::move(a.identity);
  }
  std::string_view target_sv(h.target().data(), h.target().size());
  std::optional<uint64_t> length;
  if (parser.content_length()) length = *parser.content_length();
  bool streamed =
      !probes_only &&
      ctx.frontend->StreamsBody(
          std::string_view(h.method_string().data(), h.method_string().size()), target_sv, length);
  uint64_t limit = ctx.frontend->BodyLimit(target_sv, streamed);
  auto too_large = [&] {
    return ctx.frontend->SessionError(
        413, "too_large", "the request body is over the " + std::to_string(limit) + "-byte limit");
  };
  if (parser.content_length() && *parser.content_length() > limit) {
    // Answer before reading the body, then close without reading it.
    co_await WriteSimple(c, o, too_large(), h.version(), false);
    co_await Linger(c, o);
    co_return false;
  }
  parser.body_limit(limit);
  if (beast::iequals(h[http::field::expect], "100-continue")) {
    http::response<http::empty_body> cont{http::status::continue_, h.version()};
    co_await http::async_write(c.stream, cont, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
  }
  if (streamed) {
    co_return co_await ServeStreamed(ctx, c, buf, std::move(parser), std::move(req), limit,
                                     std::move(identity), last);
  }
  c.ExpiresAfter(std::chrono::milliseconds(o.io_timeout_ms));
  // A request without a body (or whose body came with the header) is
  // complete already: no read, and no round through the scheduler.
  if (!parser.is_done()) {
    co_await http::async_read(c.stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec == http::error::body_limit) {
    co_await WriteSimple(c, o, too_large(), h.version(), false);
    co_await Linger(c, o);
    co_return false;
  }
  if (ec) {
    co_await AnswerMalformed(c, o, *ctx.frontend, ec, true);  // bad chunking, a body cut short
    co_return false;
  }
  bool keep_alive = h.keep_alive() && !last;
  unsigned version = h.version();
  req.body = std::move(h.body());
  req.principal = std::move(identity.principal);
  HeaderMap trailers;
  if (Status body_ok = VerifyWholeBody(identity.payload, &req.body, &trailers); !body_ok.ok()) {
    co_await WriteResponse(c, o,
                           ctx.frontend->SessionError(HttpStatusFor(body_ok.code()),
                                                      CodeName(body_ok.code()), body_ok.message()),
                           version, false);
    co_return false;
  }
  // A checksum sent after the body (an aws-chunked trailer) is checked and
  // stored as if it had been a header; it never replaces one.
  for (auto& [name, value] : trailers) {
    if (name.starts_with(kChecksumPrefix)) req.headers.emplace(name, std::move(value));
  }
  std::string method = req.method, target = req.target;
  ++ctx.in_flight;
  c.deadline = Steady::time_point::max();  // a wait for a position has its own timeout
  HttpResponse resp;
  try {
    resp = co_await ctx.frontend->Handle(std::move(req));
  } catch (const std::exception& e) {
    resp = ctx.frontend->SessionError(500, "internal", "unexpected error");
    spdlog::error("request failed: {}", e.what());
  }
  --ctx.in_flight;
  ctx.node->metrics().ObserveRequest(ctx.frontend->MetricsRoute(method, target), method,
                                     resp.status);
  if (resp.live) keep_alive = false;  // a live body ends with the connection
  co_await WriteResponse(c, o, std::move(resp), version, keep_alive);
  co_return keep_alive;
}

}  // namespace session

// Serves one connection until it closes.
// client: the peer's address, for the limits per address (empty: none).
template <class Stream>
boost::asio::awaitable<void> RunSession(SessionContext& ctx, Stream stream,
                                        std::string client = {}) {
  namespace asio = boost::asio;
  auto conn = std::make_shared<session::Conn<Stream>>(
      std::move(stream), std::chrono::milliseconds(ctx.opts.watchdog_interval_ms));
  asio::co_spawn(conn->stream.get_executor(), session::Watchdog(conn), asio::detached);
  boost::beast::flat_buffer buf;
  size_t n = ++ctx.connections;
  const ServerOptions& o = ctx.opts;
  bool entered = false;  // counted against its address
  try {
    if (n > o.connections_max + o.health_connections_reserve) {
      co_await session::WriteSimple(
          *conn, o, ctx.frontend->SessionError(503, "not_ready", "too many connections"), 11,
          false);
    } else if (n > o.connections_max) {
      // Past the limit, a few more connections are kept for /healthz (and
      // /readyz), so that a load balancer's probe still sees a live process;
      // anything else is refused. One request each, then close.
      co_await session::Serve(ctx, *conn, buf, client, /*probes_only=*/true);
    } else if (!client.empty() && !(entered = ctx.EnterAddress(client))) {
      co_await session::WriteSimple(
          *conn, o,
          ctx.frontend->SessionError(429, "too_many_requests",
                                     "too many connections from this address (at most " +
                                         std::to_string(o.connections_per_address_max) + ")"),
          11, false);
    } else {
      for (size_t served = 1; co_await session::Serve(ctx, *conn, buf, client, false,
                                                      served >= o.requests_per_connection_max);
           ++served) {
      }
    }
  } catch (const std::exception& e) {
    spdlog::debug("session ended: {}", e.what());
  }
  if (entered) ctx.LeaveAddress(client);
  --ctx.connections;
  StreamOps<Stream>::ShutdownSend(conn->stream);
  conn->done = true;
  conn->watchdog.cancel();
}

}  // namespace walfs
