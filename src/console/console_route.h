// GET /ui[/NAME]: the web console's files (console_assets.h). Public (they
// hold no data: the console's own requests carry the user's token), and
// locked down: a content security policy of this origin only, no framing,
// no sniffing.
#pragma once

#include <string_view>

#include "http/response.h"

namespace walfs {

// name: what follows /ui/ ("" for the page itself).
HttpResponse ConsoleResponse(std::string_view name);

}  // namespace walfs
