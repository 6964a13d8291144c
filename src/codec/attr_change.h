// AttrChange: what a setattr op (entry format 6) sets on a file, directory
// or symbolic link: its POSIX permission bits, owner, group, and access and
// modification times (milliseconds since the epoch). A field left unset is
// left as it is.
//
//   varint  mask: 1 mode, 2 uid, 4 gid, 8 atime, 16 mtime
//   then each field whose bit is set, in that order, as a varint
//
// The decoder rejects unknown mask bits and values that do not fit their
// field (mode, uid, gid: 32 bits); the state machine checks the ranges at
// apply time (CheckAttrChange), so that a bad value is an outcome every
// replica records alike.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/file_mode.h"
#include "core/status.h"

namespace walfs {

// uid and gid 0xffffffff mean "no change" to chown(2): never stored.
inline constexpr uint32_t kNoId = 0xffffffffu;
// 9999-12-31T23:59:59.999Z: the last time the API's ISO 8601 times show.
inline constexpr uint64_t kMaxTimeMs = 253402300799999ull;

struct AttrChange {
  std::optional<uint32_t> mode, uid, gid;
  std::optional<uint64_t> atime_ms, mtime_ms;
  bool operator==(const AttrChange&) const = default;
};

void EncodeAttrChange(std::string* out, const AttrChange& a);
// Reads one AttrChange; false (and r may be not-ok) on malformed bytes.
bool DecodeAttrChange(Reader& r, AttrChange* a);
// kBadRequest, saying which, unless every set field is in its range.
Status CheckAttrChange(const AttrChange& a);

}  // namespace walfs
