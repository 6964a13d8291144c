// Awaitables over the node's threads: wait for an applied position,
// hand an entry to the proposer, ask the log for its tail. They suspend the
// connection's coroutine and take no thread; each completes on the
// caller's executor.
// Thread-safety: call from a coroutine on an io_context thread.
#pragma once

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "node/node_port.h"

namespace walfs {

// True once this replica has applied p; false when timeout_ms passed or the
// applier stopped first.
boost::asio::awaitable<bool> WaitApplied(NodePort& node, Position p, uint32_t timeout_ms);
// The position the log gave the entry (or the log's tail, with tail).
boost::asio::awaitable<Result<Position>> AwaitProposer(NodePort& node, std::string payload,
                                                       bool tail);
// The log's last position, or kTimeout once deadline passes.
boost::asio::awaitable<Result<Position>> AwaitTail(NodePort& node,
                                                   std::chrono::steady_clock::time_point deadline);

}  // namespace walfs
