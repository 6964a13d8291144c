#include "http/server.h"

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <pthread.h>

#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "http/api.h"
#include "http/session.h"
#include "http/tls_context.h"
#include "http/tls_stream.h"
#include "http/util.h"
#include "s3/s3_api.h"
#include "volume/s3_volume_front.h"
#include "volume/volume_front.h"

namespace walfs {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  explicit Impl(const ServerOptions& o) : opts(o) {
    // One io_context per thread, each run by that thread alone (hint 1):
    // a connection stays on one thread, so its handlers need no strand and
    // the threads do not wake each other for every event on a shared queue.
    for (size_t i = 0; i < std::max<size_t>(1, o.http_threads); ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
    }
    acceptor.emplace(*contexts[0]);
    s3_acceptor.emplace(*contexts[0]);
  }

  // Accepts on a until it closes; each connection a session of ctx.
  asio::awaitable<void> Accept(tcp::acceptor& a, SessionContext& ctx);
  asio::awaitable<void> ServeTls(tcp::socket socket, std::shared_ptr<asio::ssl::context> context,
                                 std::string client, SessionContext& ctx);

  ServerOptions opts;
  std::unique_ptr<AuthGate> gate;        // set by Bind
  std::unique_ptr<TlsContexts> tls;      // set by Bind with --tls-cert: HTTPS only
  std::optional<VolumeFront> front;      // set by Run: the API of each volume served
  std::optional<SessionContext> shared;  // set by Run
  std::optional<S3VolumeFront> s3;       // set by Run with --s3-listen
  std::optional<SessionContext> s3_shared;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::optional<tcp::acceptor> acceptor;
  std::optional<tcp::acceptor> s3_acceptor;  // open with --s3-listen
};

std::optional<uint16_t> ParseListenPort(const std::string& s) {
  auto n = ParseU64(s);
  if (!n || *n > 65535) return std::nullopt;
  return static_cast<uint16_t>(*n);
}

// Opens a on "HOST:PORT" (flag: the option's name, for errors).
Status BindAcceptor(tcp::acceptor& a, const std::string& l, std::string_view flag) {
  auto colon = l.rfind(':');
  if (colon == std::string::npos) {
    return Status(Code::kBadRequest, std::string(flag) + " must be HOST:PORT");
  }
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(l.substr(0, colon), ec);
  if (ec) return Status(Code::kBadRequest, "bad listen address " + l + ": " + ec.message());
  auto port = ParseListenPort(l.substr(colon + 1));
  if (!port) return Status(Code::kBadRequest, "bad port in listen address " + l + ": use 0..65535");
  tcp::endpoint ep(addr, *port);
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (ec) return Status(Code::kIoError, "cannot listen on " + l + ": " + ec.message());
  return Status::Ok();
}

HttpServer::HttpServer(const ServerOptions& opts) : impl_(std::make_unique<Impl>(opts)) {}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::Bind() {
  auto gate = AuthGate::Open(impl_->opts);
  if (!gate.ok()) return gate.status();
  impl_->gate = std::move(gate).value();
  if (!impl_->opts.tls_cert.empty()) {
    impl_->tls = std::make_unique<TlsContexts>(impl_->opts.tls_cert, impl_->opts.tls_key);
    WALFS_RETURN_IF_ERROR(impl_->tls->Load());
  }
  WALFS_RETURN_IF_ERROR(BindAcceptor(*impl_->acceptor, impl_->opts.listen, "--listen"));
  if (!impl_->opts.s3_listen.empty()) {
    WALFS_RETURN_IF_ERROR(BindAcceptor(*impl_->s3_acceptor, impl_->opts.s3_listen, "--s3-listen"));
  }
  return static_cast<int>(impl_->acceptor->local_endpoint().port());
}

int HttpServer::s3_port() const {
  boost::system::error_code ec;
  if (!impl_->s3_acceptor->is_open()) return 0;
  auto ep = impl_->s3_acceptor->local_endpoint(ec);
  return ec ? 0 : ep.port();
}

Status HttpServer::Listen() {
  boost::system::error_code ec;
  impl_->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status(Code::kIoError, "cannot listen on " + impl_->opts.listen + ": " + ec.message());
  if (impl_->s3_acceptor->is_open()) {
    impl_->s3_acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status(Code::kIoError,
                    "cannot listen on " + impl_->opts.s3_listen + ": " + ec.message());
    }
  }
  return Status::Ok();
}

void HttpServer::Run(VolumeSet* volumes) {
  Impl& s = *impl_;
  AuthGate* gate = s.gate->enabled() ? s.gate.get() : nullptr;
  NodePort* node = volumes->primary();
  s.front.emplace(volumes, gate);
  s.shared.emplace(s.opts, &*s.front, node);
  if (s.s3_acceptor->is_open()) {
    s.s3.emplace(volumes, &*s.front, gate);
    s.s3_shared.emplace(s.opts, &*s.s3, node);
  }
  asio::io_context& main = *s.contexts[0];
  // Keeps the other contexts running while they have no connection.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : s.contexts) guards.push_back(asio::make_work_guard(*c));
  asio::co_spawn(main, s.Accept(*s.acceptor, *s.shared), asio::detached);
  if (s.s3) asio::co_spawn(main, s.Accept(*s.s3_acceptor, *s.s3_shared), asio::detached);
  // SIGHUP: the auth file and the certificate again (a file with a mistake
  // keeps what was loaded before). Connections stay up.
  asio::signal_set hup(main, SIGHUP);
  std::function<void()> on_hup = [&] {
    hup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      if (s.gate->enabled()) {
        Status st = s.gate->Reload();
        if (st.ok()) {
          spdlog::info("SIGHUP: principals reloaded from {}", s.opts.auth_file);
        } else {
          spdlog::error("SIGHUP: kept the principals loaded before: {}", st.message());
        }
      }
      if (s.tls) {
        Status st = s.tls->Load();
        if (st.ok()) {
          spdlog::info("SIGHUP: TLS certificate reloaded from {}", s.opts.tls_cert);
        } else {
          spdlog::error("SIGHUP: kept the TLS certificate loaded before: {}", st.message());
        }
      }
      on_hup();
    });
  };
  on_hup();
  asio::signal_set signals(main, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    hup.cancel();
    spdlog::info("signal {}: no new connections; finishing requests in flight", sig);
    boost::system::error_code ignored;
    s.acceptor->close(ignored);
    s.s3_acceptor->close(ignored);
    // Let requests in flight finish, up to a bound, then stop.
    auto timer = std::make_shared<asio::steady_timer>(main);
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(s.opts.drain_ms_max);
    auto poll = std::make_shared<std::function<void()>>();
    *poll = [&s, timer, deadline, poll] {
      size_t in_flight = s.shared->in_flight + (s.s3_shared ? s.s3_shared->in_flight.load() : 0);
      if (in_flight == 0 || std::chrono::steady_clock::now() > deadline) {
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

asio::awaitable<void> HttpServer::Impl::Accept(tcp::acceptor& a, SessionContext& ctx) {
  for (size_t next = 0;; ++next) {
    boost::system::error_code ec;
    // Connections are dealt to the threads in turn.
    tcp::socket socket(*contexts[next % contexts.size()]);
    co_await a.async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !a.is_open()) co_return;
    if (ec) continue;
    // Answers are written as header then body: without this, Nagle's
    // algorithm and the client's delayed ACK add 40 ms to small answers.
    socket.set_option(tcp::no_delay(true), ec);
    auto ex = socket.get_executor();
    tcp::endpoint peer = socket.remote_endpoint(ec);
    std::string client = ec ? std::string() : peer.address().to_string();
    if (tls) {
      asio::co_spawn(ex, ServeTls(std::move(socket), tls->current(), std::move(client), ctx),
                     asio::detached);
    } else {
      asio::co_spawn(ex, RunSession(ctx, std::move(socket), std::move(client)), asio::detached);
    }
  }
}

asio::awaitable<void> HttpServer::Impl::ServeTls(tcp::socket socket,
                                                 std::shared_ptr<asio::ssl::context> context,
                                                 std::string client, SessionContext& ctx) {
  // The context stays alive with this frame while the connection is open.
  TlsStream stream(std::move(socket), *context);
  // The handshake gets io_timeout_ms, like a request's header block.
  auto done = std::make_shared<bool>(false);
  asio::steady_timer timer(stream.get_executor());
  timer.expires_after(std::chrono::milliseconds(opts.io_timeout_ms));
  timer.async_wait([done, &stream](const boost::system::error_code& ec) {
    if (!ec && !*done) StreamOps<TlsStream>::Close(stream);
  });
  boost::system::error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
  *done = true;
  timer.cancel();
  if (ec) {
    spdlog::debug("TLS handshake with {} failed: {}", client, ec.message());
    co_return;
  }
  co_await RunSession(ctx, std::move(stream), std::move(client));
}

}  // namespace walfs
