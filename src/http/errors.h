// The one place where answers' JSON bodies and error bodies are rendered:
// {"error":"<code>","message":"<sentence>"} with the status the code maps to
// (util.h's HttpStatusFor), or a status given by the HTTP layer itself (414,
// 431, 405 ...). Used by the routes (api) and the connection (server).
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/response.h"

namespace walfs {

HttpResponse JsonResponse(int status, const nlohmann::json& body);
// The contract's error body for code, with extra fields (position, failed_index ...);
// a 401 (kUnauthorized) carries `WWW-Authenticate: Bearer`.
HttpResponse Error(Code c, const std::string& message,
                   nlohmann::json extra = nlohmann::json::object());
HttpResponse Error(const Status& st);
// An error body with an HTTP status of the connection's own (414, 431 ...).
HttpResponse ErrorWithStatus(int status, std::string_view code, const std::string& message);

}  // namespace walfs
