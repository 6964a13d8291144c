// libFuzzer target: the whole request parser behind the HTTP handler,
// without sockets. The input is split on newlines into a method, a target,
// header lines ("name: value") and, after an empty line, the body.
#include <cstdint>
#include <string>
#include <string_view>

#include "server/request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  walfs::HttpRequest req;
  auto next_line = [&]() {
    auto nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    return std::string(line);
  };
  req.method = next_line();
  req.target = next_line();
  for (std::string line = next_line(); !line.empty(); line = next_line()) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    req.headers[name] = value;
  }
  req.body = std::string(in);
  auto p = walfs::ParseRequest(req, walfs::ServerOptions{});
  (void)p;
  return 0;
}
