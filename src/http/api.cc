// Api::Handle: routing a parsed request to its handler (read_handler.cc,
// write_handler.cc, admin_handler.cc); the metrics of each.
#include "http/api.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "console/console_route.h"
#include "core/hash.h"
#include "http/access.h"
#include "http/errors.h"
#include "http/message.h"
#include "http/util.h"
#include "http/waits.h"
#include "sm/outcome_code.h"
#include "sm/state_machine.h"

namespace walfs {
namespace asio = boost::asio;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

Status Api::NextChunk(FileStream* s, size_t max, std::string* out) {
  out->clear();
  uint64_t n = std::min<uint64_t>(max, s->length);
  FsView view(s->snapshot.get(), s->block_bytes);
  WALFS_RETURN_IF_ERROR(view.Read(s->node, s->offset, n, out));
  s->offset += n;
  s->length -= n;
  return Status::Ok();
}

Frontend::Admission Api::Admit(const HttpRequest& head, std::string_view client, int64_t now_ms) {
  Admission a;
  if (gate_ == nullptr) return a;
  AuthGate::Admission g = gate_->Admit(head, client, now_ms);
  a.refusal = std::move(g.refusal);
  a.identity = std::move(g.identity);
  return a;
}

bool Api::StreamsBody(std::string_view method, std::string_view target,
                      std::optional<uint64_t> length) const {
  return walfs::StreamsBody(method, target, length, node_->options());
}

uint64_t Api::BodyLimit(std::string_view target, bool streamed) const {
  return walfs::BodyLimit(target, node_->options(), streamed);
}

HttpResponse Api::SessionError(int status, std::string_view code,
                               const std::string& message) const {
  HttpResponse r = ErrorWithStatus(status, code, message);
  // RFC 9110 section 11.6.1: a 401 says how to authenticate.
  if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

std::string_view Api::MetricsRoute(std::string_view method, std::string_view target) const {
  return RouteLabel(method, target);
}

Status Api::AuthorizeOnly(const HttpRequest& req) const {
  if (gate_ == nullptr) return Status::Ok();
  auto p = ParseRequest(req, node_->options());
  if (!p.ok()) return p.status();
  if (IsUploadByIdRoute(p->route)) return Status::Ok();
  return gate_->Authorize(req, *p);
}

asio::awaitable<HttpResponse> Api::Handle(HttpRequest req) {
  auto p = ParseRequest(req, node_->options());
  if (!p.ok()) {
    HttpResponse e = Error(p.status());
    if (p.status().code() == Code::kMethodNotAllowed) {
      std::string_view target = req.target;
      e.headers.emplace_back("Allow",
                             std::string(AllowedMethods(target.substr(0, target.find('?')))));
    }
    co_return e;
  }
  if (gate_ != nullptr && !IsUploadByIdRoute(p->route)) {
    // Routes by upload id are decided once the upload is found (Uploads).
    if (Status st = gate_->Authorize(req, *p); !st.ok()) co_return Error(st);
  }
  auto started = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  switch (p->route) {
    case Route::kHealthz:
      co_return JsonResponse(200, {{"status", "ok"}});
    case Route::kReadyz:
      co_return Ready();
    case Route::kMetrics: {
      HttpResponse m;
      m.body = node_->metrics().Serialize();
      m.headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
      co_return m;
    }
    case Route::kCluster:
      co_return Cluster();
    case Route::kSnapshotsList:
      co_return ListSnapshotsResponse();
    case Route::kSnapshotsTake:
      co_return co_await TakeSnapshotResponse();
    case Route::kFsRead: {
      HttpResponse resp = co_await Read(*p);
      node_->metrics().ObserveRead(seconds());
      co_return resp;
    }
    case Route::kUploadCreate:
    case Route::kUploadList:
    case Route::kUploadGet:
    case Route::kUploadAbort:
    case Route::kUploadCommit:
      co_return co_await Uploads(req, std::move(p).value());
    case Route::kUploadPart:
      co_return Error(Code::kBadRequest, "a part's body is streamed: send it with PUT");
    case Route::kWatch:
      co_return Watch(*p);
    case Route::kConsole: {
      HttpResponse r = ConsoleResponse(p->console_asset);
      if (req.method == "HEAD") {
        r.head_length = r.body.size();
        r.body.clear();
      }
      co_return r;
    }
    case Route::kFsWrite:
    case Route::kTx: {
      bool ack_log = p->write.ack_log;
      HttpResponse resp = co_await Write(std::move(p).value());
      node_->metrics().ObserveWrite(ack_log, seconds());
      co_return resp;
    }
  }
  co_return Error(Code::kInternal, "unrouted request");
}

}  // namespace walfs
