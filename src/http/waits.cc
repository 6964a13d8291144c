#include "http/waits.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <optional>

namespace walfs {
namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

namespace {

// Hands work to the proposer thread and completes on the caller's executor
// when it answers: no timer, one post.
template <typename Token>
auto AsyncProposer(NodePort& node, std::string payload, bool tail, Token&& token) {
  return asio::async_initiate<Token, void(Result<Position>)>(
      [&node, tail](auto handler, std::string payload) {
        auto ex = asio::get_associated_executor(handler);
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        auto done = [h, ex](Result<Position> r) {
          asio::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
        };
        bool queued = tail ? node.AskTail(done) : node.Propose(std::move(payload), done);
        if (!queued)
          done(Status(Code::kNotReady, "too many writes are waiting for the log; retry"));
      },
      token, std::move(payload));
}

}  // namespace

// Suspends until this replica has applied p (true), the timeout passes or
// the applier stops (false).
asio::awaitable<bool> WaitApplied(NodePort& node, Position p, uint32_t timeout_ms) {
  auto ex = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(ex, std::chrono::milliseconds(timeout_ms));
  uint64_t id = node.OnApplied(p, [timer, ex] { asio::post(ex, [timer] { timer->cancel(); }); });
  if (id != 0) {
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    node.CancelWait(id);
  }
  co_return node.applied() >= p;
}

asio::awaitable<Result<Position>> AwaitProposer(NodePort& node, std::string payload, bool tail) {
  co_return co_await AsyncProposer(node, std::move(payload), tail, asio::use_awaitable);
}

// The log's last position, asked through the proposer, or kTimeout once
// deadline passes (a frozen log must not hold a read past its timeout_ms).
// The proposer's late answer, if any, lands in the shared state and is
// dropped.
asio::awaitable<Result<Position>> AwaitTail(NodePort& node, Steady::time_point deadline) {
  auto ex = co_await asio::this_coro::executor;
  struct State {
    State(asio::any_io_executor e, Steady::time_point d) : timer(e, d) {}
    asio::steady_timer timer;
    std::optional<Result<Position>> result;
  };
  auto st = std::make_shared<State>(ex, deadline);
  bool queued = node.AskTail([st, ex](Result<Position> r) {
    asio::post(ex, [st, r = std::move(r)]() mutable {
      st->result.emplace(std::move(r));
      st->timer.cancel();
    });
  });
  if (!queued)
    co_return Status(Code::kNotReady, "too many requests are waiting for the log; retry");
  // The answer is posted to this executor, so it cannot run before the
  // wait below has begun: the cancel always finds it.
  boost::system::error_code ec;
  co_await st->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (!st->result)
    co_return Status(Code::kTimeout, "the log did not say its last position in time");
  co_return std::move(*st->result);
}

}  // namespace walfs
