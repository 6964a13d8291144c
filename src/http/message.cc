#include "http/message.h"

#include <cctype>

namespace walfs {

HttpRequest FromMessage(BeastRequest&& msg) {
  HttpRequest req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  for (const auto& f : msg) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers[name] = std::string(f.value());
  }
  req.body = std::move(msg.body());
  return req;
}

uint64_t BodyLimit(std::string_view target, const ServerOptions& o) {
  if (target.substr(0, 6) == "/v1/tx") return o.entry_bytes_max / 3 * 4 + (1 << 20);
  return o.entry_bytes_max;
}

}  // namespace walfs
