// The one place where a walfs answer becomes an errno (mount.md, "Errors").
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "core/status.h"

namespace walfs {

// errno (positive) for an HTTP answer's status and error code ("not_found",
// ...); write: whether the request was a write (log_unavailable and
// not_ready are EAGAIN for writes; a read is still served elsewhere, EIO).
int ErrnoForAnswer(int http_status, std::string_view code, bool write);
// errno for a request that got no answer (connection refused, a timeout).
int ErrnoForTransport(const Status& s);

}  // namespace walfs
