#include "volume/volume_front.h"

#include <nlohmann/json.hpp>

#include "http/errors.h"
#include "http/util.h"
#include "version/build_info.h"
#include "volume/entry_scope.h"

namespace walfs {
namespace asio = boost::asio;
using nlohmann::json;

VolumeFront::VolumeFront(VolumeSet* set, AuthGate* gate) : set_(set) {
  for (const auto& [name, node] : set->served()) {
    apis_.emplace(name, std::make_unique<Api>(node, gate, &set->map()));
  }
  primary_ = apis_.at(set->served().front().first).get();
  set_head(primary_);
}

Result<std::string> VolumeFront::VolumeOf(const HttpRequest& req) const {
  RequestSubject s = SubjectOf(req.method, req.target);
  switch (s.kind) {
    case RequestSubject::Kind::kNone:
      return std::string();
    case RequestSubject::Kind::kPath:
      return set_->map().Of(s.value).name;
    case RequestSubject::Kind::kUploadId:
      return set_->map().OfUploadId(s.value).name;
    case RequestSubject::Kind::kBody: {
      auto p = ParseRequest(req, set_->primary()->options());
      if (!p.ok()) return std::string();  // the primary answers the error
      if (p->route == Route::kUploadCreate) return set_->map().Of(p->upload.path).name;
      return VolumeOfEntry(set_->map(), p->write.entry).name;
    }
  }
  return std::string();
}

HttpResponse VolumeFront::Elsewhere(const std::string& volume, const HttpRequest& req) const {
  std::vector<std::string> peers = set_->PeersOf(volume);
  if (peers.empty()) {
    return Error(Code::kNotReady, "this replica does not serve volume " + volume +
                                      " and knows no replica that does");
  }
  const std::string& to = peers[next_peer_.fetch_add(1) % peers.size()];
  HttpResponse r = Error(Code::kNotReady, "volume " + volume + " is served by " + to,
                         {{"volume", volume}, {"location", to + req.target}});
  r.status = 307;
  r.headers.emplace_back("Location", to + req.target);
  return r;
}

asio::awaitable<HttpResponse> VolumeFront::Handle(HttpRequest req) {
  if (set_->map().volumes().size() == 1) co_return co_await primary_->Handle(std::move(req));
  std::string_view path = std::string_view(req.target).substr(0, req.target.find('?'));
  if (path == "/readyz") co_return Ready();
  if (path == "/v1/cluster" && (req.method == "GET" || req.method == "HEAD")) {
    if (Status st = primary_->AuthorizeOnly(req); !st.ok()) co_return Error(st);
    co_return Cluster();
  }
  std::string volume;
  if (path == "/v1/admin/snapshots") {
    std::string_view t = req.target;
    auto at = t.find("volume=");
    if (at != std::string_view::npos)
      volume = std::string(t.substr(at + 7, t.find('&', at) - at - 7));
  } else {
    auto v = VolumeOf(req);
    if (!v.ok()) co_return Error(v.status());
    volume = *v;
  }
  if (volume.empty()) co_return co_await primary_->Handle(std::move(req));
  auto it = apis_.find(volume);
  if (it != apis_.end()) co_return co_await it->second->Handle(std::move(req));
  if (set_->map().Find(volume) == nullptr) {
    co_return Error(Code::kNotFound, "no volume is named " + volume);
  }
  if (Status st = primary_->AuthorizeOnly(req); !st.ok()) co_return Error(st);
  co_return Elsewhere(volume, req);
}

asio::awaitable<HttpResponse> VolumeFront::HandleStreamed(HttpRequest req, BodyReader& body) {
  std::string volume;
  if (set_->map().volumes().size() > 1) {
    auto v = VolumeOf(req);
    if (!v.ok()) co_return Error(v.status());
    volume = *v;
  }
  if (volume.empty()) co_return co_await primary_->HandleStreamed(std::move(req), body);
  if (Api* api = ApiOf(volume)) co_return co_await api->HandleStreamed(std::move(req), body);
  if (Status st = primary_->AuthorizeOnly(req); !st.ok()) co_return Error(st);
  co_return Elsewhere(volume, req);
}

HttpResponse VolumeFront::Ready() const {
  json volumes = json::object();
  for (const auto& [name, api] : apis_) {
    HttpResponse r = api->Ready();
    if (r.status != 200) return r;  // not ready while any served volume is not
    volumes[name] = json::parse(r.body, nullptr, false);
  }
  // The primary's state at the top, as with one volume, and each volume's.
  json j = volumes[set_->served().front().first];
  j["volumes"] = volumes;
  return JsonResponse(200, j);
}

HttpResponse VolumeFront::Cluster() const {
  json out = primary_->ClusterJson();
  out["volume_map"] = set_->map().Fingerprint();
  json logs = json::object();
  json by_id = json::object();
  // The primary's first: a replica's own fields are of the primary volume
  // where it serves it.
  for (const auto& [name, node] : set_->served()) {
    json v = apis_.at(name)->ClusterJson();
    logs[name] = v["log"];
    for (auto& r : v["replicas"]) {
      std::string id = r["id"];
      if (!by_id.contains(id)) {
        by_id[id] = r;
        continue;
      }
      for (auto& [vol, what] : r["volumes"].items()) by_id[id]["volumes"][vol] = what;
    }
  }
  // Replicas that serve no volume the primary's log has: added from the others'.
  json replicas = json::array();
  bool mixed = false;
  BuildInfo build = ThisBuild();
  for (auto& [id, r] : by_id.items()) {
    mixed = mixed || BuildInfo{r.value("version", ""), r.value("commit", ""),
                               r.value("entry_format", 0u)} != build;
    replicas.push_back(r);
  }
  out["replicas"] = replicas;
  out["mixed_builds"] = mixed;  // over the replicas of every volume
  out["logs"] = logs;
  json volumes = json::array();
  for (const auto& v : set_->map().volumes()) {
    json j = {{"name", v.name}, {"prefix", v.prefix}, {"served", apis_.count(v.name) > 0}};
    if (!apis_.count(v.name)) j["replicas"] = set_->PeersOf(v.name);
    volumes.push_back(j);
  }
  out["volumes"] = volumes;
  return JsonResponse(200, out);
}

}  // namespace walfs
