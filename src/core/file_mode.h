// A file's mode (permission, set-id and sticky bits) as the API writes it:
// octal text, "0644". One place for the HTTP API's stat and setattr and the
// mount's calls.
// Thread-safety: functions of values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace walfs {

inline constexpr uint32_t kMaxMode = 07777;  // permission, set-id and sticky bits

// "%04o" of mode's bits (above them dropped): "0644", "4755".
std::string FormatMode(uint32_t mode);
// 1 to 6 octal digits of a mode up to kMaxMode ("644", "0644", "000644");
// nullopt for anything else.
std::optional<uint32_t> ParseMode(std::string_view text);

}  // namespace walfs
