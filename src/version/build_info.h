// What a walfs binary is: its release version, the commit it was built
// from, and the newest entry format it writes (codec/entry.h). Shown by
// `walfs --version`, published in every heartbeat and in /v1/cluster, so
// that replicas of different builds in one cluster are seen as such.
// Thread-safety: constants.
#pragma once

#include <cstdint>
#include <string>

namespace walfs {

// Generated at build time (cmake/build_commit.cmake): git's short hash,
// "-dirty" for a changed work tree, or "unknown" outside a clone.
extern const char kBuildCommit[];

struct BuildInfo {
  std::string version;    // the release, e.g. "0.1.0" (CMake's project version)
  std::string commit;     // kBuildCommit
  uint32_t entry_format;  // kEntryFormatVersion
  // Replicas whose builds differ in any of the three are "mixed builds".
  bool operator==(const BuildInfo&) const = default;
};

BuildInfo ThisBuild();

// "walfs 0.1.0 (commit 4817a51c2d3e, entry format 6)".
std::string VersionLine();

}  // namespace walfs
