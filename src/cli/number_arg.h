// NumberIn: a CLI11 check that an argument is a whole decimal number within
// [min, max]. CLI11 alone reads "-1" into an unsigned option as a huge
// number and lets an overflowing one through; this refuses both, so the
// command exits 2 (a usage mistake) having sent or created nothing.
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <string>

namespace walfs::cli {

inline CLI::Validator NumberIn(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& s) -> std::string {
        uint64_t v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < min || v > max) {
          return "'" + s + "' is not a whole number from " + std::to_string(min) + " to " +
                 std::to_string(max);
        }
        return std::string();
      },
      "NUMBER", "NumberIn");
}

inline constexpr uint64_t kU64Max = UINT64_MAX;

}  // namespace walfs::cli
