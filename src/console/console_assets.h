// The web console's files (src/console/assets: index.html, app.js,
// style.css), built into the binary by cmake/embed_assets.cmake, so that
// `walfs serve` serves them at /ui with nothing installed beside it and no
// build step for the browser (plain HTML, CSS and JavaScript).
#pragma once

#include <string_view>

namespace walfs {

struct ConsoleAsset {
  std::string_view name;  // "app.js"
  std::string_view content_type;
  std::string_view body;
};

// The asset of that name; null if there is none.
const ConsoleAsset* FindConsoleAsset(std::string_view name);

}  // namespace walfs
