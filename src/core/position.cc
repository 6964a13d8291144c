#include "core/position.h"

#include <charconv>

#include "core/bytes.h"

namespace walfs {
namespace {
bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

std::string Position::ToString() const { return std::to_string(ms) + "-" + std::to_string(seq); }

std::optional<Position> Position::Parse(std::string_view s) {
  Position p;
  auto dash = s.find('-');
  if (dash == std::string_view::npos) {
    if (!ParseU64(s, &p.ms)) return std::nullopt;
    return p;
  }
  if (!ParseU64(s.substr(0, dash), &p.ms) || !ParseU64(s.substr(dash + 1), &p.seq)) {
    return std::nullopt;
  }
  return p;
}

std::string Position::Encode() const {
  std::string out;
  PutFixed64BE(&out, ms);
  PutFixed64BE(&out, seq);
  return out;
}

std::optional<Position> Position::Decode(std::string_view bytes) {
  if (bytes.size() != 16) return std::nullopt;
  return Position{GetFixed64BE(bytes.data()), GetFixed64BE(bytes.data() + 8)};
}

}  // namespace walfs
