#include "cli/answer.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace walfs::cli {

using nlohmann::json;

bool ReadSource(const std::string& source, std::string* out) {
  if (source == "-") {
    out->assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    return true;
  }
  std::ifstream f(source, std::ios::binary);
  if (!f) {
    std::cerr << "walfs: cannot read " << source << "\n";
    return false;
  }
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

int PrintAnswer(const Result<ClientResponse>& r, bool print_body) {
  if (!r.ok()) {
    std::cerr << "walfs: " << r.status().message() << "\n";
    return kExitError;
  }
  if (r->status >= 300) {
    json j = json::parse(r->body, nullptr, false);
    if (j.is_object() && j.contains("message")) {
      std::cerr << "walfs: " << j["message"].get<std::string>() << " ("
                << j.value("error", std::string("error")) << ", HTTP " << r->status << ")\n";
    } else {
      std::cerr << "walfs: HTTP " << r->status << "\n";
    }
    return kExitError;
  }
  if (print_body) std::cout << r->body << (r->body.empty() || r->body.back() == '\n' ? "" : "\n");
  return kExitOk;
}

}  // namespace walfs::cli
