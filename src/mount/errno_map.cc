#include "mount/errno_map.h"

#include <cerrno>

namespace walfs {

int ErrnoForAnswer(int http_status, std::string_view code, bool write) {
  if (http_status / 100 == 2 || http_status == 304) return 0;
  if (code == "not_found") return ENOENT;
  if (code == "already_exists") return EEXIST;
  if (code == "not_a_directory") return ENOTDIR;
  if (code == "is_a_directory") return EISDIR;
  if (code == "not_empty") return ENOTEMPTY;
  if (code == "too_large") return EFBIG;
  if (code == "invalid_path") return EINVAL;
  if (code == "timeout") return ETIMEDOUT;
  if (code == "forbidden" || code == "unauthorized") return EACCES;
  if (code == "log_unavailable" || code == "not_ready") return write ? EAGAIN : EIO;
  if (code == "read_only") return EROFS;
  if (code == "cross_volume") return EXDEV;  // as rename(2) across file systems
  // precondition_failed, idempotency_key_reused and the rest: logged by
  // the caller with the answer's message.
  switch (http_status) {
    case 401:
    case 403:
      return EACCES;
    case 404:
      return ENOENT;
    case 413:
      return EFBIG;
    case 429:
    case 503:
      return EAGAIN;
    case 504:
      return ETIMEDOUT;
    default:
      return EIO;
  }
}

int ErrnoForTransport(const Status& s) { return s.code() == Code::kTimeout ? ETIMEDOUT : EIO; }

}  // namespace walfs
