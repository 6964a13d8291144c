// The bytes of one file as a store holds them (empty if there is none).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "schema/fs_view.h"

namespace walfs::testing {

inline std::string FileContent(const StoreReader& r, const std::string& path,
                               uint32_t block_bytes = 4096) {
  FsView v(&r, block_bytes);
  auto n = v.Lookup(path);
  std::string out;
  if (n.ok() && n->has_value()) {
    EXPECT_TRUE(v.Read(**n, 0, (*n)->inode.size, &out).ok());
  }
  return out;
}

}  // namespace walfs::testing
