#include "auth/principal.h"

namespace walfs {

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kRead:
      return "read";
    case Role::kWrite:
      return "write";
    case Role::kAdmin:
      return "admin";
  }
  return "read";
}

std::optional<Role> RoleFromName(std::string_view name) {
  for (Role r : {Role::kRead, Role::kWrite, Role::kAdmin}) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

}  // namespace walfs
