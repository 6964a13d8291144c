#include "http/attr_fields.h"

#include <string>

#include "http/util.h"

namespace walfs {

Status SetAttrField(std::string_view name, std::string_view text, AttrChange* a) {
  if (name == "mode") {
    auto mode = ParseMode(text);
    if (!mode) return Status(Code::kBadRequest, "mode must be octal, 0 to 07777 (e.g. 0644)");
    a->mode = *mode;
    return Status::Ok();
  }
  auto n = ParseU64(text);
  if (name == "uid" || name == "gid") {
    if (!n || *n >= kNoId) {
      return Status(Code::kBadRequest, std::string(name) + " must be an integer below 4294967295");
    }
    (name == "uid" ? a->uid : a->gid) = static_cast<uint32_t>(*n);
    return Status::Ok();
  }
  if (name == "atime_ms" || name == "mtime_ms") {
    if (!n || *n > kMaxTimeMs) {
      return Status(Code::kBadRequest,
                    std::string(name) +
                        " must be milliseconds since 1970, at most 253402300799999 (year 9999)");
    }
    (name == "atime_ms" ? a->atime_ms : a->mtime_ms) = *n;
    return Status::Ok();
  }
  return Status(Code::kBadRequest, "unknown attribute '" + std::string(name) + "'");
}

}  // namespace walfs
