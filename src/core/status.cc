#include "core/status.h"

#include <array>

namespace walfs {
namespace {
constexpr std::array<std::string_view, 20> kNames = {
    "ok",          "bad_request",      "invalid_path",   "not_found",
    "is_a_directory", "not_a_directory", "already_exists", "not_empty",
    "precondition_failed", "too_large", "invalid_range", "idempotency_key_reused",
    "log_unavailable", "not_ready",     "timeout",        "rejected",
    "corruption",  "io_error",         "unsupported",    "internal",
};
}  // namespace

std::string_view CodeName(Code c) {
  auto i = static_cast<size_t>(c);
  return i < kNames.size() ? kNames[i] : "internal";
}

std::optional<Code> CodeFromName(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Code>(i);
  }
  return std::nullopt;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(CodeName(code_)) + ": " + message_;
}

}  // namespace walfs
