#include "volume/s3_volume_front.h"

#include "core/path.h"

namespace walfs {
namespace asio = boost::asio;

S3VolumeFront::S3VolumeFront(VolumeSet* set, VolumeFront* api, AuthGate* gate) : set_(set) {
  for (const auto& [name, node] : set->served()) {
    s3_.emplace(name, std::make_unique<S3Api>(node, api->ApiOf(name), gate));
  }
  primary_ = s3_.at(set->served().front().first).get();
  set_head(primary_);
}

std::variant<S3Api*, HttpResponse> S3VolumeFront::Route(const HttpRequest& req) const {
  if (set_->map().volumes().size() == 1) return primary_;
  auto parsed = ParseS3Request(req, set_->primary()->options().s3_domain);
  auto* r = std::get_if<S3Request>(&parsed);
  if (r == nullptr || r->bucket.empty()) return primary_;  // the primary answers
  const VolumeMap& map = set_->map();
  const Volume& v = map.Of(r->path);
  std::string_view source = req.header("x-amz-copy-source");
  if (!source.empty()) {
    source = source.substr(0, source.find('?'));  // ?versionId=
    auto decoded = PercentDecode(source);
    std::string from = decoded.ok() ? *decoded : std::string(source);
    if (from.empty() || from[0] != '/') from = "/" + from;
    const Volume& fv = map.Of(from);
    if (fv.name != v.name) {
      return primary_->Refuse(
          req, {"InvalidArgument", "cross_volume: the copy's source " + from + " is in volume " +
                                       fv.name + " and its target " + r->path + " in volume " +
                                       v.name + "; a copy cannot span volumes"});
    }
  }
  auto it = s3_.find(v.name);
  if (it != s3_.end()) return it->second.get();
  std::vector<std::string> peers = set_->PeersOf(v.name);
  return primary_->Refuse(
      req,
      {"ServiceUnavailable", "this replica does not serve volume " + v.name + " (" + r->path + ")" +
                                 (peers.empty() ? std::string(", and knows no replica that does")
                                                : "; replicas that do: " + peers.front() +
                                                      (peers.size() > 1 ? " and others" : ""))});
}

asio::awaitable<HttpResponse> S3VolumeFront::Handle(HttpRequest req) {
  auto to = Route(req);
  if (auto* refusal = std::get_if<HttpResponse>(&to)) co_return std::move(*refusal);
  co_return co_await std::get<S3Api*>(to)->Handle(std::move(req));
}

asio::awaitable<HttpResponse> S3VolumeFront::HandleStreamed(HttpRequest req, BodyReader& body) {
  auto to = Route(req);
  if (auto* refusal = std::get_if<HttpResponse>(&to)) co_return std::move(*refusal);
  co_return co_await std::get<S3Api*>(to)->HandleStreamed(std::move(req), body);
}

}  // namespace walfs
