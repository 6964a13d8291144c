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
  HttpResponse r = JsonResponse(HttpStatusFor(c), body);
  // RFC 9110 section 11.6.1: a 401 says how to authenticate.
  if (c == Code::kUnauthorized) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

HttpResponse Error(const Status& st) { return Error(st.code(), st.message()); }

HttpResponse ErrorWithStatus(int status, std::string_view code, const std::string& message) {
  return JsonResponse(status, json{{"error", code}, {"message", message}});
}

}  // namespace walfs
