// The dashboard's files (Vite's ui/dist) as embedded into the binary at build
// time by scripts/embed_ui.cmake (CMake cache variable STUB_UI_DIST).
#pragma once

#include <span>
#include <string_view>

namespace stub {

struct UiAsset {
  std::string_view path;   // relative to the dist folder, '/'-separated: "assets/index-1a2b.js"
  std::string_view bytes;  // the file's content (static storage)
};

// The files embedded into this binary, sorted by path; empty when the
// dashboard was not built (no ui/dist when the binary was built). Defined in
// the generated ui_assets_embedded.cc.
std::span<const UiAsset> EmbeddedUiAssets();

}  // namespace stub
