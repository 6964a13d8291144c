#include "version/build_info.h"

#include "codec/entry.h"

namespace walfs {

BuildInfo ThisBuild() { return {WALFS_VERSION, kBuildCommit, kEntryFormatVersion}; }

std::string VersionLine() {
  BuildInfo b = ThisBuild();
  return "walfs " + b.version + " (commit " + b.commit + ", entry format " +
         std::to_string(b.entry_format) + ")";
}

}  // namespace walfs
