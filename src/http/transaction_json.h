// ParseTransaction: the body of POST /v1/tx -> an entry (without the
// Idempotency-Key header, which the request parser adds). Pure.
#pragma once

#include <string_view>

#include "codec/entry.h"

namespace walfs {

Result<Entry> ParseTransaction(std::string_view json);

}  // namespace walfs
