#include "auth/bearer.h"

namespace walfs {

std::optional<std::string_view> BearerToken(std::string_view h) {
  constexpr std::string_view kScheme = "bearer";
  if (h.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = h[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return std::nullopt;
  }
  h.remove_prefix(kScheme.size());
  if (h.empty() || h.front() != ' ') return std::nullopt;
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  if (h.empty() || h.size() > kBearerTokenBytesMax) return std::nullopt;
  size_t i = 0;
  auto token_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
  };
  while (i < h.size() && token_char(h[i])) ++i;
  if (i == 0) return std::nullopt;
  while (i < h.size() && h[i] == '=') ++i;
  if (i != h.size()) return std::nullopt;
  return h;
}

}  // namespace walfs
