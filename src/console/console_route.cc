#include "console/console_route.h"

#include "console/console_assets.h"
#include "http/errors.h"

namespace walfs {

HttpResponse ConsoleResponse(std::string_view name) {
  const ConsoleAsset* a = FindConsoleAsset(name.empty() ? "index.html" : name);
  if (a == nullptr) {
    return Error(Code::kNotFound, "the console has no file " + std::string(name));
  }
  HttpResponse r;
  r.body = std::string(a->body);
  r.headers.emplace_back("Content-Type", std::string(a->content_type));
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; "
                         "base-uri 'none'; frame-ancestors 'none'; form-action 'none'");
  return r;
}

}  // namespace walfs
