// S3VolumeFront: the S3 endpoint of a replica whose cluster is split into
// volumes. One S3Api per served volume; a request goes to the S3Api of its
// object's volume (the volume of /bucket/key), or of its bucket's for a
// bucket request; ListBuckets to the primary's. A request for a volume not
// served here answers 503 ServiceUnavailable naming the volume (S3 clients
// are not redirected: the replicas' addresses are their HTTP API's). A copy
// whose source is in another volume than its target is InvalidArgument
// (cross_volume), as a rename across volumes is.
// Thread-safety: as S3Api (immutable after construction).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "s3/s3_api.h"
#include "volume/volume_front.h"

namespace walfs {

class S3VolumeFront final : public RoutingFrontend {
 public:
  S3VolumeFront(VolumeSet* set, VolumeFront* api, AuthGate* gate);

  boost::asio::awaitable<HttpResponse> Handle(HttpRequest req) override;
  boost::asio::awaitable<HttpResponse> HandleStreamed(HttpRequest req, BodyReader& body) override;

 private:
  // The S3Api that answers req, or the refusal.
  std::variant<S3Api*, HttpResponse> Route(const HttpRequest& req) const;

  VolumeSet* set_;
  std::map<std::string, std::unique_ptr<S3Api>, std::less<>> s3_;
  S3Api* primary_ = nullptr;
};

}  // namespace walfs
