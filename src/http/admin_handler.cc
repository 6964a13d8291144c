// Operations routes: /readyz, /v1/cluster, snapshots; and why reads are stale.
#include "http/api.h"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "http/errors.h"
#include "http/util.h"
#include "http/waits.h"
#include "sm/outcome_code.h"
#include "sm/state_machine.h"
#include "version/build_info.h"

namespace walfs {
namespace asio = boost::asio;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

json ManifestJson(const SnapshotManifest& m, std::string_view volume) {
  return {{"id", m.id},
          {"position", FormatVolumePosition(volume, m.position)},
          {"digest", m.digest},
          {"entries", m.entries},
          {"files_stored", m.files_stored},
          {"bytes_stored", m.bytes_stored},
          {"size", m.total_bytes},
          {"uploaded", m.uploaded_bytes},
          {"files", m.files.size()},
          {"created", FormatIsoTime(m.created_ms)},
          {"replica", m.replica}};
}

}  // namespace

std::string Api::StaleReason() const {
  ApplierHealth h = node_->State().applier;
  if (!h.stopped.ok()) return "stopped";
  if (!h.paused.ok()) return "paused";
  if (!h.log_status.ok()) return "log_unreachable";
  if (h.lag_ms > node_->options().ready_lag_ms_max) return "lagging";
  return "";
}

HttpResponse Api::Ready() const {
  NodeState st = node_->State();
  const ApplierHealth& h = st.applier;
  json j = {{"applied", Pos(h.applied)},
            {"log_last", Pos(h.log_last)},
            {"lag_ms", h.lag_ms},
            {"log", node_->log_description()},
            {"digest", ToHex(st.digest)}};
  std::string why;
  if (!st.diverged.ok()) {
    why = st.diverged.message();
  } else if (!h.stopped.ok()) {
    why = "the applier stopped: " + h.stopped.message();
  } else if (!h.paused.ok()) {
    why = "the applier is paused, retrying: " + h.paused.message();
  } else if (!h.log_status.ok()) {
    why = "the log is unreachable: " + h.log_status.message();
  } else if (h.lag_ms > node_->options().ready_lag_ms_max) {
    why = "this replica is " + std::to_string(h.lag_ms) + " ms behind the log";
  }
  if (why.empty()) {
    j["status"] = "ready";
    return JsonResponse(200, j);
  }
  j["error"] = "not_ready";
  j["message"] = why;
  return JsonResponse(503, j);
}

HttpResponse Api::ListSnapshotsResponse() const {
  auto list = node_->ListSnapshots();
  if (!list.ok() && list.status().code() == Code::kNotFound) return Error(list.status());
  if (!list.ok())
    return Error(Code::kNotReady, "cannot list snapshots: " + list.status().message());
  json arr = json::array();
  for (const auto& m : *list) arr.push_back(ManifestJson(m, volume()));
  return JsonResponse(200, {{"snapshots", arr}});
}

asio::awaitable<HttpResponse> Api::TakeSnapshotResponse() {
  auto ex = co_await asio::this_coro::executor;
  struct State {
    explicit State(asio::any_io_executor e) : timer(e, asio::steady_timer::time_point::max()) {}
    asio::steady_timer timer;
    std::optional<Result<SnapshotManifest>> result;
  };
  auto st = std::make_shared<State>(ex);
  node_->RequestSnapshot([st, ex](Result<SnapshotManifest> m) {
    asio::post(ex, [st, m = std::move(m)]() mutable {
      st->result.emplace(std::move(m));
      st->timer.cancel();
    });
  });
  while (!st->result) {
    boost::system::error_code ec;
    co_await st->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!st->result->ok()) {
    const Status& e = st->result->status();
    if (e.code() == Code::kNotFound) co_return Error(e);
    co_return Error(e.code() == Code::kBadRequest ? Code::kBadRequest : Code::kNotReady,
                    "snapshot failed: " + e.message());
  }
  co_return JsonResponse(201, ManifestJson(**st->result, volume()));
}

HttpResponse Api::Cluster() const { return JsonResponse(200, ClusterJson()); }

json Api::ClusterJson() const {
  ClusterView v = node_->Cluster();
  json replicas = json::array();
  for (const auto& r : v.replicas) {
    json j = {
        {"id", r.id},
        {"address", r.address},
        {"applied", Pos(r.applied)},
        {"digest", r.digest},
        {"entries", r.entries},
        {"lag_entries", v.log.entries_added > r.entries ? v.log.entries_added - r.entries : 0},
        {"lag_ms", LagMs(r.applied, v.log.last, v.log.first)},
        {"last_seen", FormatIsoTime(r.time_ms)},
        {"last_seen_ms_ago", v.refreshed_ms > r.time_ms ? v.refreshed_ms - r.time_ms : 0},
        {"diverged", r.diverged},
        {"self", r.id == v.self}};
    if (!r.stopped.empty()) j["stopped"] = r.stopped;
    j["version"] = r.version;
    j["commit"] = r.commit;
    j["entry_format"] = r.entry_format;
    // What it is of each volume it serves (this log's view: this volume).
    j["volume_map"] = r.volume_map;
    j["volumes"] = {{volume(),
                     {{"applied", Pos(r.applied)},
                      {"digest", r.digest},
                      {"lag_entries", j["lag_entries"]},
                      {"lag_ms", j["lag_ms"]},
                      {"diverged", r.diverged}}}};
    replicas.push_back(j);
  }
  json log = {{"first", Pos(v.log.first)},
              {"last", Pos(v.log.last)},
              {"length", v.log.length},
              {"entries_added", v.log.entries_added},
              {"backend", node_->log_description()}};
  if (v.log_bytes) log["bytes"] = *v.log_bytes;
  if (!v.log_status.ok()) log["error"] = v.log_status.message();
  // Replicas of other builds in one cluster (a rolling upgrade, or one
  // left behind): shown, so that an operator sees it.
  BuildInfo build = ThisBuild();
  bool mixed = std::any_of(v.replicas.begin(), v.replicas.end(), [&](const ReplicaInfo& r) {
    return BuildInfo{r.version, r.commit, r.entry_format} != build;
  });
  return {{"self", v.self},
          {"build",
           {{"version", build.version},
            {"commit", build.commit},
            {"entry_format", build.entry_format}}},
          {"mixed_builds", mixed},
          {"log", log},
          {"replicas", replicas},
          {"as_of", FormatIsoTime(v.refreshed_ms)}};
}

}  // namespace walfs
