// Authorize: the one function that decides whether a principal may make a
// request. Every route says what it asks for (an AccessRequest: its kind
// and every path it touches) and calls it; nothing else decides.
//
//   kPublic  /healthz, /readyz: anyone, with or without credentials
//   kRead    reads, lists, stats, watches: any role, every path covered
//   kWrite   writes, renames (both paths), transactions (every path),
//            uploads (the target): write or admin, every path covered
//   kAdmin   /v1/admin/*, /v1/cluster, /metrics: admin
//
// A principal's prefixes bound every role, admin included: a prefix covers
// the path itself and everything beneath it ("/logs" covers "/logs" and
// "/logs/a", not "/logsx"); give "/" for the whole tree.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "core/status.h"

namespace walfs {

enum class Access : uint8_t { kPublic, kRead, kWrite, kAdmin };

struct AccessRequest {
  Access access = Access::kPublic;
  std::vector<std::string> paths;  // canonical
};

// True if one of p's prefixes covers path (canonical).
bool Covers(const Principal& p, std::string_view path);

// Ok, or kForbidden with a sentence naming the principal and what it lacks
// (the role, or the first path outside its prefixes).
Status Authorize(const Principal& p, const AccessRequest& r);

}  // namespace walfs
