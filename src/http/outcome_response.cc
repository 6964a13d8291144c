#include "http/outcome_response.h"

#include "http/errors.h"
#include "sm/outcome_code.h"
#include "volume/volume_map.h"

namespace walfs {
using nlohmann::json;

json OpResultJson(const OpResult& r) {
  json j = {{"path", r.path}, {"version", r.version.ToString()}, {"size", r.size}};
  if (r.offset) j["offset"] = *r.offset;
  return j;
}

HttpResponse RenderOutcome(const Outcome& o, bool is_tx, std::string_view volume) {
  HttpResponse resp;
  const std::string pos = FormatVolumePosition(volume, o.position);
  if (!o.ok()) {
    json extra = {{"position", pos}};
    if (is_tx && o.failed_condition >= 0) extra["failed_condition"] = o.failed_condition;
    if (is_tx && o.failed_index >= 0) extra["failed_index"] = o.failed_index;
    resp = Error(StatusCodeOf(o.code), o.message.empty() ? DefaultOutcomeMessage(o) : o.message,
                 extra);
  } else if (is_tx) {
    json results = json::array();
    for (const auto& r : o.results) results.push_back(OpResultJson(r));
    resp = JsonResponse(200, {{"position", pos}, {"results", results}});
  } else {
    json j = OpResultJson(o.results.at(0));
    j["position"] = pos;
    resp = JsonResponse(o.results[0].created ? 201 : 200, j);
  }
  resp.headers.emplace_back("X-Walfs-Position", pos);
  return resp;
}

}  // namespace walfs
