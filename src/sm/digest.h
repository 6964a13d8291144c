// The digest: a hash chained over every applied entry (its position, the
// hash of its bytes) and its outcome. Two replicas at the same position
// must have the same digest (design rule 7). Format 2 chains outcomes by
// their pinned codes only; format 1 also hashed the message. A store moves
// to format 2 at the first entry of entry format 2 (docs/entry-format.md).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/position.h"
#include "sm/outcome.h"

namespace walfs {

inline constexpr uint8_t kDigestFormatLatest = 2;

// The next digest in the chain.
std::string ChainDigest(std::string_view digest, Position pos, std::string_view payload,
                        const Outcome& o, uint8_t format);

}  // namespace walfs
