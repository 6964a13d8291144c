#include "auth/authorize.h"

#include "core/path.h"

namespace walfs {

bool Covers(const Principal& p, std::string_view path) {
  for (const auto& prefix : p.prefixes) {
    if (IsSameOrBeneath(path, prefix)) return true;
  }
  return false;
}

Status Authorize(const Principal& p, const AccessRequest& r) {
  auto lacks = [&](std::string_view what) {
    return Status(Code::kForbidden, "principal \"" + p.name + "\" (role " +
                                        std::string(RoleName(p.role)) + ") may not " +
                                        std::string(what));
  };
  switch (r.access) {
    case Access::kPublic:
      return Status::Ok();
    case Access::kAdmin:
      if (p.role != Role::kAdmin) return lacks("use the admin routes (role admin needed)");
      break;
    case Access::kWrite:
      if (p.role == Role::kRead) return lacks("write (role write or admin needed)");
      break;
    case Access::kRead:
      break;
  }
  for (const auto& path : r.paths) {
    if (!Covers(p, path)) {
      return lacks(std::string(r.access == Access::kRead ? "read " : "write ") + path +
                   ": it is outside the principal's prefixes");
    }
  }
  return Status::Ok();
}

}  // namespace walfs
