#include "core/file_mode.h"

namespace walfs {

std::string FormatMode(uint32_t mode) {
  mode &= kMaxMode;
  std::string s(4, '0');
  for (int i = 3; i >= 0; --i, mode >>= 3)
    s[static_cast<size_t>(i)] = static_cast<char>('0' + (mode & 7));
  return s;
}

std::optional<uint32_t> ParseMode(std::string_view text) {
  if (text.empty() || text.size() > 6) return std::nullopt;
  uint32_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<uint32_t>(c - '0');
  }
  if (mode > kMaxMode) return std::nullopt;
  return mode;
}

}  // namespace walfs
