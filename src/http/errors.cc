#include "http/errors.h"

#include "http/util.h"

namespace walfs {

using nlohmann::json;

HttpResponse JsonResponse(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  r.headers.emplace_back("Content-Type", "application/json");
  return r;
}

HttpResponse Error(Code c, const std::string& message, json extra) {
  json body = {{"error", std::string(CodeName(c))}, {"message", message}};
  for (auto& [k, v] : extra.items()) body[k] = v;
  return JsonResponse(HttpStatusFor(c), body);
}

HttpResponse Error(const Status& st) { return Error(st.code(), st.message()); }

HttpResponse ErrorWithStatus(int status, std::string_view code, const std::string& message) {
  return JsonResponse(status, json{{"error", code}, {"message", message}});
}

}  // namespace walfs
