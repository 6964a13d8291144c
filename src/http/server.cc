#include "http/server.h"

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <pthread.h>

#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "http/api.h"
#include "http/errors.h"
#include "http/message.h"
#include "http/util.h"

namespace walfs {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Steady = std::chrono::steady_clock;

// One connection: its socket, and the deadline its watchdog enforces. The
// watchdog wakes twice a second and closes the socket once the deadline has
// passed, which ends whatever read or write is pending; arming a timer per
// read and write instead (beast::tcp_stream's timeouts) cost a timer
// insertion and cancellation per operation.
struct Conn {
  Conn(tcp::socket s, std::chrono::milliseconds interval)
      : socket(std::move(s)), watchdog(socket.get_executor()), watchdog_interval(interval) {}
  void ExpiresAfter(std::chrono::milliseconds d) { deadline = Steady::now() + d; }

  tcp::socket socket;
  asio::steady_timer watchdog;
  std::chrono::milliseconds watchdog_interval;
  Steady::time_point deadline = Steady::time_point::max();
  bool done = false;
};

asio::awaitable<void> Watchdog(std::shared_ptr<Conn> c) {
  boost::system::error_code ec;
  while (!c->done) {
    c->watchdog.expires_after(c->watchdog_interval);
    co_await c->watchdog.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!c->done && Steady::now() > c->deadline) {
      c->socket.close(ec);
      co_return;
    }
  }
}

// After an early answer, discard what the client is still sending (bounded
// in bytes and time) before closing, so that the close does not reset the
// connection and destroy the answer before the client reads it.
asio::awaitable<void> Linger(Conn& c, const ServerOptions& o) {
  boost::system::error_code ec;
  c.socket.shutdown(tcp::socket::shutdown_send, ec);
  std::vector<char> sink(64 << 10);
  uint64_t drained = 0;
  c.ExpiresAfter(std::chrono::milliseconds(o.linger_ms));
  while (!ec && drained < o.linger_bytes_max) {
    size_t n = co_await c.socket.async_read_some(asio::buffer(sink),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    drained += n;
  }
}

// What the first read of a request asks for: a whole small request.
constexpr size_t kFirstReadBytes = 16 << 10;

struct HttpServer::Impl {
  explicit Impl(const ServerOptions& o) : opts(o) {
    // One io_context per thread, each run by that thread alone (hint 1):
    // a connection stays on one thread, so its handlers need no strand and
    // the threads do not wake each other for every event on a shared queue.
    for (size_t i = 0; i < std::max<size_t>(1, o.http_threads); ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
    }
    acceptor.emplace(*contexts[0]);
  }

  asio::awaitable<void> Accept();
  asio::awaitable<void> Session(tcp::socket socket);
  asio::awaitable<bool> Serve(Conn& c, beast::flat_buffer& buf, bool probes_only);
  asio::awaitable<void> AnswerMalformed(Conn& c, boost::system::error_code ec,
                                        bool request_line_complete);
  asio::awaitable<void> WriteResponse(Conn& c, HttpResponse resp, unsigned version,
                                      bool keep_alive);
  asio::awaitable<void> WriteSimple(Conn& c, HttpResponse resp, unsigned version, bool keep_alive);

  NodePort* node = nullptr;  // set by Run
  ServerOptions opts;
  std::optional<Api> api;  // set by Run
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::optional<tcp::acceptor> acceptor;
  std::atomic<size_t> connections{0};
  std::atomic<size_t> in_flight{0};
};

std::optional<uint16_t> ParseListenPort(const std::string& s) {
  auto n = ParseU64(s);
  if (!n || *n > 65535) return std::nullopt;
  return static_cast<uint16_t>(*n);
}

HttpServer::HttpServer(const ServerOptions& opts) : impl_(std::make_unique<Impl>(opts)) {}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::Bind() {
  const std::string& l = impl_->opts.listen;
  auto colon = l.rfind(':');
  if (colon == std::string::npos) return Status(Code::kBadRequest, "--listen must be HOST:PORT");
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(l.substr(0, colon), ec);
  if (ec) return Status(Code::kBadRequest, "bad listen address " + l + ": " + ec.message());
  auto port = ParseListenPort(l.substr(colon + 1));
  if (!port) return Status(Code::kBadRequest, "bad port in listen address " + l + ": use 0..65535");
  tcp::endpoint ep(addr, *port);
  auto& a = *impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (ec) return Status(Code::kIoError, "cannot listen on " + l + ": " + ec.message());
  return static_cast<int>(a.local_endpoint().port());
}

Status HttpServer::Listen() {
  boost::system::error_code ec;
  impl_->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status(Code::kIoError, "cannot listen on " + impl_->opts.listen + ": " + ec.message());
  return Status::Ok();
}

void HttpServer::Run(NodePort* node) {
  Impl& s = *impl_;
  s.node = node;
  s.api.emplace(node);
  asio::io_context& main = *s.contexts[0];
  // Keeps the other contexts running while they have no connection.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : s.contexts) guards.push_back(asio::make_work_guard(*c));
  asio::co_spawn(main, s.Accept(), asio::detached);
  asio::signal_set signals(main, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: no new connections; finishing requests in flight", sig);
    boost::system::error_code ignored;
    s.acceptor->close(ignored);
    // Let requests in flight finish, up to a bound, then stop.
    auto timer = std::make_shared<asio::steady_timer>(main);
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(s.opts.drain_ms_max);
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [&s, timer, deadline, poll] {
      if (s.in_flight == 0 || std::chrono::steady_clock::now() > deadline) {
        for (auto& c : s.contexts) c->stop();
        return;
      }
      timer->expires_after(std::chrono::milliseconds(20));
      timer->async_wait([poll](const boost::system::error_code&) { (*poll)(); });
    };
    (*poll)();
  });
  std::vector<std::thread> threads;
  for (size_t i = 1; i < s.contexts.size(); ++i) {
    threads.emplace_back([c = s.contexts[i].get()] {
      pthread_setname_np(pthread_self(), "walfs-http");
      c->run();
    });
  }
  main.run();
  for (auto& t : threads) t.join();
}

asio::awaitable<void> HttpServer::Impl::Accept() {
  for (size_t next = 0;; ++next) {
    boost::system::error_code ec;
    // Connections are dealt to the threads in turn.
    tcp::socket socket(*contexts[next % contexts.size()]);
    co_await acceptor->async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) continue;
    // Answers are written as header then body: without this, Nagle's
    // algorithm and the client's delayed ACK add 40 ms to small answers.
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    asio::co_spawn(ex, Session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> HttpServer::Impl::Session(tcp::socket socket) {
  auto conn = std::make_shared<Conn>(std::move(socket),
                                     std::chrono::milliseconds(opts.watchdog_interval_ms));
  asio::co_spawn(conn->socket.get_executor(), Watchdog(conn), asio::detached);
  beast::flat_buffer buf;
  size_t n = ++connections;
  try {
    if (n > opts.connections_max + opts.health_connections_reserve) {
      co_await WriteSimple(*conn, ErrorWithStatus(503, "not_ready", "too many connections"), 11,
                           false);
    } else if (n > opts.connections_max) {
      // Past the limit, a few more connections are kept for /healthz (and
      // /readyz), so that a load balancer's probe still sees a live process;
      // anything else is refused. One request each, then close.
      co_await Serve(*conn, buf, /*probes_only=*/true);
    } else {
      while (co_await Serve(*conn, buf, false)) {
      }
    }
  } catch (const std::exception& e) {
    spdlog::debug("session ended: {}", e.what());
  }
  --connections;
  boost::system::error_code ec;
  conn->socket.shutdown(tcp::socket::shutdown_send, ec);
  conn->done = true;
  conn->watchdog.cancel();
}

// A request that could not be parsed is answered (the contract's JSON
// error) before the connection closes: 431 for a header block over the
// limit, 414 when the request line alone is, 400 for anything else
// malformed. A client that went away or timed out gets nothing.
asio::awaitable<void> HttpServer::Impl::AnswerMalformed(Conn& c, boost::system::error_code ec,
                                                        bool request_line_complete) {
  if (ec.category() != beast::http::make_error_code(http::error::bad_method).category() ||
      ec == http::error::end_of_stream) {
    co_return;
  }
  HttpResponse r;
  if (ec == http::error::header_limit) {
    std::string limit = std::to_string(opts.header_bytes_max);
    r = request_line_complete
            ? ErrorWithStatus(431, "bad_request",
                              "the request's header block is over " + limit + " bytes")
            : ErrorWithStatus(414, "bad_request", "the request line is over " + limit + " bytes");
  } else {
    r = ErrorWithStatus(400, "bad_request", "malformed HTTP request: " + ec.message());
  }
  co_await WriteSimple(c, std::move(r), 11, false);
  co_await Linger(c, opts);
}

// One request and its answer; false when the connection should close.
// probes_only: answer /healthz and /readyz, refuse anything else (503).
asio::awaitable<bool> HttpServer::Impl::Serve(Conn& c, beast::flat_buffer& buf, bool probes_only) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(opts.header_bytes_max));
  // The body limit depends on the route; it is checked after the header.
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  boost::system::error_code ec;
  if (buf.size() == 0) {
    // Idle between requests: up to idle_timeout_ms for the first bytes.
    // This read is the request's first (usually its only) read: the header
    // parse below finds them in the buffer. (Waiting for readability
    // instead cost a reactor round per request: appends/s fell by half.)
    c.ExpiresAfter(std::chrono::milliseconds(opts.idle_timeout_ms));
    size_t n = co_await c.socket.async_read_some(buf.prepare(kFirstReadBytes),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
    buf.commit(n);
  }
  // From its first byte, the whole header block must arrive within
  // io_timeout_ms: a client that trickles it cannot hold the connection.
  c.ExpiresAfter(std::chrono::milliseconds(opts.io_timeout_ms));
  co_await http::async_read_header(c.socket, buf, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    // Beast consumes the request line once parsed (the target is then set).
    co_await AnswerMalformed(c, ec, !parser.get().target().empty());
    co_return false;
  }
  auto& h = parser.get();
  if (probes_only) {
    std::string_view t(h.target().data(), h.target().size());
    if (t != "/healthz" && t != "/readyz") {
      co_await WriteSimple(c, ErrorWithStatus(503, "not_ready", "too many connections"),
                           h.version(), false);
      co_await Linger(c, opts);
      co_return false;
    }
  }
  uint64_t limit = BodyLimit(std::string_view(h.target().data(), h.target().size()), opts);
  auto too_large = [&] {
    return ErrorWithStatus(413, "too_large",
                           "the request body is over the " + std::to_string(limit) + "-byte limit");
  };
  if (parser.content_length() && *parser.content_length() > limit) {
    // Answer before reading the body, then close without reading it.
    co_await WriteSimple(c, too_large(), h.version(), false);
    co_await Linger(c, opts);
    co_return false;
  }
  parser.body_limit(limit);
  if (beast::iequals(h[http::field::expect], "100-continue")) {
    http::response<http::empty_body> cont{http::status::continue_, h.version()};
    co_await http::async_write(c.socket, cont, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
  }
  c.ExpiresAfter(std::chrono::milliseconds(opts.io_timeout_ms));
  // A request without a body (or whose body came with the header) is
  // complete already: no read, and no round through the scheduler.
  if (!parser.is_done()) {
    co_await http::async_read(c.socket, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec == http::error::body_limit) {
    co_await WriteSimple(c, too_large(), h.version(), false);
    co_await Linger(c, opts);
    co_return false;
  }
  if (ec) {
    co_await AnswerMalformed(c, ec, true);  // bad chunking, a body cut short
    co_return false;
  }
  auto msg = parser.release();
  bool keep_alive = msg.keep_alive();
  unsigned version = msg.version();
  HttpRequest req = FromMessage(std::move(msg));
  std::string method = req.method, target = req.target;
  ++in_flight;
  c.deadline = Steady::time_point::max();  // a wait for a position has its own timeout
  HttpResponse resp;
  try {
    resp = co_await api->Handle(std::move(req));
  } catch (const std::exception& e) {
    resp.status = 500;
    resp.body = R"({"error":"internal","message":"unexpected error"})";
    resp.headers.emplace_back("Content-Type", "application/json");
    spdlog::error("request failed: {}", e.what());
  }
  --in_flight;
  node->metrics().ObserveRequest(RouteLabel(method, target), method, resp.status);
  co_await WriteResponse(c, std::move(resp), version, keep_alive);
  co_return keep_alive;
}

asio::awaitable<void> HttpServer::Impl::WriteSimple(Conn& c, HttpResponse resp, unsigned version,
                                                    bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(resp.status), version};
  res.set(http::field::server, "walfs");
  for (auto& [k, v] : resp.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.body() = std::move(resp.body);
  res.prepare_payload();
  c.ExpiresAfter(std::chrono::milliseconds(opts.io_timeout_ms));
  co_await http::async_write(c.socket, res, asio::use_awaitable);
}

asio::awaitable<void> HttpServer::Impl::WriteResponse(Conn& c, HttpResponse resp, unsigned version,
                                                      bool keep_alive) {
  if (!resp.stream && !resp.head_length) {
    co_await WriteSimple(c, std::move(resp), version, keep_alive);
    co_return;
  }
  http::response<http::empty_body> res{static_cast<http::status>(resp.status), version};
  res.set(http::field::server, "walfs");
  for (auto& [k, v] : resp.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.content_length(resp.stream ? resp.stream->length : *resp.head_length);
  http::response_serializer<http::empty_body> sr{res};
  c.ExpiresAfter(std::chrono::milliseconds(opts.io_timeout_ms));
  co_await http::async_write_header(c.socket, sr, asio::use_awaitable);
  if (!resp.stream) co_return;
  std::string chunk;
  while (resp.stream->length > 0) {
    Status st = Api::NextChunk(&*resp.stream, opts.read_chunk_bytes, &chunk);
    if (!st.ok()) throw std::runtime_error(st.ToString());  // cut the connection
    c.ExpiresAfter(std::chrono::milliseconds(opts.io_timeout_ms));
    co_await asio::async_write(c.socket, asio::buffer(chunk), asio::use_awaitable);
  }
}

}  // namespace walfs
