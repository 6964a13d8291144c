// AttrFields: the fields of a setattr as the API names them, in a query
// (POST /v1/fs/a?op=setattr&mode=0640&uid=1000) and in a transaction's op
// ({"op":"setattr","path":"/a","mode":"0640","uid":1000}): mode in octal
// (up to 07777), uid and gid in decimal (32 bits), atime_ms and mtime_ms
// in milliseconds since the epoch. The state machine checks the ranges
// again at apply time (codec/attr_change.h).
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <string_view>

#include "codec/attr_change.h"
#include "core/status.h"

namespace walfs {

inline constexpr std::array<std::string_view, 5> kAttrFields = {"mode", "uid", "gid", "atime_ms",
                                                                "mtime_ms"};

// Sets the field `name` (one of kAttrFields) of *a from its text;
// kBadRequest saying what is wrong.
Status SetAttrField(std::string_view name, std::string_view text, AttrChange* a);

}  // namespace walfs
