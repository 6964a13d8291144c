// Principal: who a request is, what it may do (its role) and where (its
// path prefixes). Principals come from the auth file (auth/auth_file.h);
// what each role allows is decided in auth/authorize.h.
// Thread-safety: values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace walfs {

// Each role includes the ones before it.
enum class Role : uint8_t {
  kRead,   // GET, HEAD, list, stat, watch within its prefixes
  kWrite,  // read, plus every write within its prefixes
  kAdmin,  // everything: /v1/admin/*, /v1/cluster, /metrics, every path
};

std::string_view RoleName(Role r);
std::optional<Role> RoleFromName(std::string_view name);

struct Principal {
  std::string name;
  Role role = Role::kRead;
  // Canonical paths; each covers itself and everything beneath it.
  std::vector<std::string> prefixes;
  std::string token_sha256;                  // 32 raw bytes, or empty: no bearer token
  std::string s3_access_key, s3_secret_key;  // both or neither
};

}  // namespace walfs
