#include "sm/digest.h"

#include "core/hash.h"

namespace walfs {

std::string ChainDigest(std::string_view digest, Position pos, std::string_view payload,
                        const Outcome& o, uint8_t format) {
  std::string in(digest);
  in.append(pos.Encode());
  in.append(Hash128(payload));
  // Format 2: the pinned outcome code, the failed index and the results,
  // never the message. Format 1 hashed the message too.
  in.append(EncodeOutcome(o, format));
  return Hash128(in);
}

}  // namespace walfs
