// A counter kept in a meta record ("M" name, u64 big-endian), changed by a
// delta inside the caller's overlay.
// Thread-safety: a pure function over the caller's overlay.
#pragma once

#include <cstdint>
#include <string_view>

#include "schema/fs_view.h"
#include "schema/schema.h"
#include "sm/overlay.h"

namespace walfs {

inline Status AddToMetaCounter(Overlay* o, std::string_view name, int64_t delta) {
  if (delta == 0) return Status::Ok();
  auto v = o->Get(keys::Meta(name));
  if (!v.ok()) return v.status();
  uint64_t n = 0;
  if (v->has_value()) {
    auto d = DecodeU64(**v);
    if (!d) return CorruptRecord(std::string(name));
    n = *d;
  }
  o->Put(keys::Meta(name), EncodeU64(n + static_cast<uint64_t>(delta)));
  return Status::Ok();
}

}  // namespace walfs
