// The answer to a write: an entry's outcome as the contract's JSON (one
// write's result, a transaction's results, or the error of the condition or
// op that failed).
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "http/response.h"
#include "sm/outcome.h"

namespace walfs {

nlohmann::json OpResultJson(const OpResult& r);
// volume: the one whose log holds the entry (its positions carry its name).
HttpResponse RenderOutcome(const Outcome& o, bool is_tx, std::string_view volume = "root");

}  // namespace walfs
