// VolumeFront: the HTTP API of a replica whose cluster is split into
// volumes (scale-out.md, "Volumes"). One Api per volume served here; each
// request goes to the Api of its path's volume (the path in its URL, the
// first path of a transaction or an upload's creation, the volume tag of an
// upload id). A request for a volume not served here answers 307 to a
// replica that serves it (VolumeSet::PeersOf), or 503 not_ready if none is
// known. Requests about no path (health, metrics, snapshots) go to the
// primary volume's Api, except: /readyz is ready when every served volume
// is, /v1/cluster merges the views of every served volume, and
// /v1/admin/snapshots?volume=NAME picks a volume.
// Thread-safety: as Api (immutable after construction).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "http/api.h"
#include "volume/volume_set.h"

namespace walfs {

class VolumeFront final : public RoutingFrontend {
 public:
  VolumeFront(VolumeSet* set, AuthGate* gate);

  boost::asio::awaitable<HttpResponse> Handle(HttpRequest req) override;
  boost::asio::awaitable<HttpResponse> HandleStreamed(HttpRequest req, BodyReader& body) override;

  // The Api of the primary volume, and of each served volume (null if not
  // served).
  Api* primary() const { return primary_; }
  Api* ApiOf(std::string_view volume) const {
    auto it = apis_.find(volume);
    return it == apis_.end() ? nullptr : it->second.get();
  }

 private:
  // The volume a request is for ("" for none: the primary's), or the error.
  Result<std::string> VolumeOf(const HttpRequest& req) const;
  // The answer for a volume not served here: 307 or 503.
  HttpResponse Elsewhere(const std::string& volume, const HttpRequest& req) const;
  HttpResponse Ready() const;
  HttpResponse Cluster() const;

  VolumeSet* set_;
  std::map<std::string, std::unique_ptr<Api>, std::less<>> apis_;
  Api* primary_ = nullptr;
  mutable std::atomic<uint64_t> next_peer_{0};
};

}  // namespace walfs
