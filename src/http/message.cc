#include "http/message.h"

#include <cctype>

namespace walfs {

HttpRequest FromHeader(const boost::beast::http::request_header<>& h) {
  HttpRequest req;
  req.method = std::string(h.method_string());
  req.target = std::string(h.target());
  for (const auto& f : h) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers[name] = std::string(f.value());
  }
  return req;
}

HttpRequest FromMessage(BeastRequest&& msg) {
  HttpRequest req = FromHeader(msg.base());
  req.body = std::move(msg.body());
  return req;
}

uint64_t BodyLimit(std::string_view target, const ServerOptions& o, bool streamed) {
  if (streamed) {
    return target.substr(0, 12) == "/v1/uploads/" ? o.part_bytes_max : o.file_bytes_max;
  }
  if (target.substr(0, 6) == "/v1/tx") return o.entry_bytes_max / 3 * 4 + (1 << 20);
  return o.entry_bytes_max;
}

}  // namespace walfs
