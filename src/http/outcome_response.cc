#include "http/outcome_response.h"

#include "http/errors.h"
#include "sm/outcome_code.h"

namespace walfs {
using nlohmann::json;

json OpResultJson(const OpResult& r) {
  json j = {{"path", r.path}, {"version", r.version.ToString()}, {"size", r.size}};
  if (r.offset) j["offset"] = *r.offset;
  return j;
}

HttpResponse RenderOutcome(const Outcome& o, bool is_tx) {
  HttpResponse resp;
  if (!o.ok()) {
    json extra = {{"position", o.position.ToString()}};
    if (is_tx && o.failed_condition >= 0) extra["failed_condition"] = o.failed_condition;
    if (is_tx && o.failed_index >= 0) extra["failed_index"] = o.failed_index;
    resp = Error(StatusCodeOf(o.code), o.message.empty() ? DefaultOutcomeMessage(o) : o.message,
                 extra);
  } else if (is_tx) {
    json results = json::array();
    for (const auto& r : o.results) results.push_back(OpResultJson(r));
    resp = JsonResponse(200, {{"position", o.position.ToString()}, {"results", results}});
  } else {
    json j = OpResultJson(o.results.at(0));
    j["position"] = o.position.ToString();
    resp = JsonResponse(o.results[0].created ? 201 : 200, j);
  }
  resp.headers.emplace_back("X-Walfs-Position", o.position.ToString());
  return resp;
}

}  // namespace walfs
