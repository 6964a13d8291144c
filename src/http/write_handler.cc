// Writes and transactions: proposing the entry, waiting for it to apply,
// answering its outcome; ack=log retries answered from the idempotency table.
#include "http/api.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "http/errors.h"
#include "http/outcome_response.h"
#include "http/util.h"
#include "http/waits.h"
#include "sm/outcome_code.h"
#include "sm/state_machine.h"
#include "volume/entry_scope.h"

namespace walfs {
namespace asio = boost::asio;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

uint64_t DataBytes(const Entry& e) {
  uint64_t n = 0;
  for (const auto& op : e.ops) n += op.data.size();
  return n;
}

}  // namespace

std::optional<HttpResponse> Api::FirstWithKey(std::string_view payload,
                                              std::string_view key) const {
  auto snap = node_->ReadSnapshot();
  auto rec = LookupIdempotency(*snap, key);
  if (!rec.ok() || !rec->has_value()) return std::nullopt;
  auto mine = DecodeEntry(payload, kMaxEntryDataBytes);
  if (!mine.ok()) return std::nullopt;
  if (mine->fingerprint != (*rec)->fingerprint) {
    return Error(Code::kIdempotencyKeyReused, "idempotency key was used for a different request");
  }
  std::string first = Pos((*rec)->first.position);
  HttpResponse r = JsonResponse(202, {{"position", first}});
  r.headers.emplace_back("X-Walfs-Position", first);
  return r;
}

Status Api::WritesRefused() const {
  Status stopped = node_->stopped();
  if (!stopped.ok()) {
    return Status(
        Code::kNotReady,
        "this replica has stopped applying the log, so it takes no writes: " + stopped.message());
  }
  if (Status log = node_->State().applier.log_status; !log.ok()) {
    // Cut off from the log: say so now rather than time out on a send
    // whose fate would be unknown.
    return Status(Code::kLogUnavailable,
                  "this replica cannot reach the log, so nothing was written: " + log.message());
  }
  return Status::Ok();
}

Status Api::InVolume(const Entry& e) const {
  return map_ == nullptr ? Status::Ok() : EntryInVolume(*map_, volume(), e);
}

asio::awaitable<HttpResponse> Api::Write(ParsedRequest p) {
  WriteCommand& w = p.write;
  if (Status scope = InVolume(w.entry); !scope.ok()) co_return Error(scope);
  if (Status refused = WritesRefused(); !refused.ok()) co_return Error(refused);
  if (DataBytes(w.entry) > node_->options().entry_bytes_max) {
    co_return Error(Code::kTooLarge, "the data is over the " +
                                         std::to_string(node_->options().entry_bytes_max) +
                                         "-byte limit of one write");
  }
  std::string payload = EncodeEntry(w.entry);
  if (w.ack_log && !w.entry.idempotency_key.empty()) {
    // A retry of a write this replica has applied is answered with the
    // first one's position, not a new entry's.
    if (auto first = FirstWithKey(payload, w.entry.idempotency_key)) co_return std::move(*first);
  }
  auto answer = co_await ProposeAndWait(std::move(payload), w.ack_log, w.timeout_ms);
  if (auto* o = std::get_if<Outcome>(&answer)) co_return RenderOutcome(*o, w.is_tx, volume());
  co_return std::get<HttpResponse>(std::move(answer));
}

asio::awaitable<HttpResponse> Api::Propose(Entry e) {
  if (Status scope = InVolume(e); !scope.ok()) co_return Error(scope);
  if (Status refused = WritesRefused(); !refused.ok()) co_return Error(refused);
  auto answer =
      co_await ProposeAndWait(EncodeEntry(e), false, node_->options().wait_timeout_ms_default);
  if (auto* o = std::get_if<Outcome>(&answer)) co_return RenderOutcome(*o, false, volume());
  co_return std::get<HttpResponse>(std::move(answer));
}

asio::awaitable<std::variant<Outcome, HttpResponse>> Api::ProposeAndWait(std::string payload,
                                                                         bool ack_log,
                                                                         uint32_t timeout_ms) {
  auto pos = co_await AwaitProposer(*node_, std::move(payload), false);
  if (!pos.ok()) {
    if (pos.status().code() == Code::kTimeout) {
      co_return Error(Code::kTimeout,
                      "the log did not answer in time; the write may or may not "
                      "have been applied: retry with the same Idempotency-Key");
    }
    co_return Error(pos.status());
  }
  if (ack_log) {
    HttpResponse r = JsonResponse(202, {{"position", Pos(*pos)}});
    r.headers.emplace_back("X-Walfs-Position", Pos(*pos));
    co_return r;
  }
  if (!co_await WaitApplied(*node_, *pos, timeout_ms)) {
    Status why = node_->stopped();
    std::string msg =
        "the write is in the log at " + Pos(*pos) + " but this replica has not applied it";
    co_return Error(why.ok() ? Code::kTimeout : Code::kNotReady,
                    why.ok() ? msg + " within " + std::to_string(timeout_ms) + " ms"
                             : msg + ": " + why.message(),
                    {{"position", Pos(*pos)}});
  }
  auto o = node_->TakeOutcome(*pos);
  if (!o) {
    co_return Error(Code::kTimeout,
                    "the write was applied at " + Pos(*pos) +
                        " but its outcome is no longer held; read it back",
                    {{"position", Pos(*pos)}});
  }
  co_return std::move(*o);
}

}  // namespace walfs
