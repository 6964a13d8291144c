// Seals arbitrary entry bytes with a valid checksum, so that tests reach
// the decoder's structural checks behind the checksum.
#pragma once

#include <string>

#include "core/bytes.h"
#include "core/hash.h"

namespace walfs::testing {
inline std::string Reseal(std::string body) {
  PutFixed64LE(&body, Checksum64(body));
  return body;
}
}  // namespace walfs::testing
