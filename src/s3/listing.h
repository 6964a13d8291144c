// Listing a bucket as S3 does (ListObjects, ListObjectsV2): keys in UTF-8
// byte order, a prefix, a delimiter rolling keys up into common prefixes
// (any string; a subtree whose directory's key already holds it is rolled
// up without being read), a marker after which to start, and a page size.
//
// A bucket is a directory tree, and a tree walked in name order is not in
// key order: directory "x" holds keys "x/...", which sort after file
// "x.txt" ('.' < '/'). So each directory's children are ordered by their
// key form (a directory's name with "/" after it) before the walk goes on.
// A directory lists as a key of its own ("dir/", the console's folder) only
// when it is empty; otherwise its files stand for it.
// Thread-safety: pure function over a store snapshot.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "schema/fs_view.h"

namespace walfs {

struct ListedKey {
  std::string key;
  Node node;
};

struct Listing {
  std::vector<ListedKey> contents;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string last;  // the last key or common prefix returned: the next page's marker
};

struct ListingQuery {
  std::string prefix;
  std::string delimiter;  // "" for none
  std::string after;      // start after this key (start-after, marker, continuation)
  size_t max_keys = 1000;
};

// Lists the bucket whose directory is at bucket_path ("/b"); kNotFound if
// there is none.
Result<Listing> ListBucket(const FsView& view, std::string_view bucket_path, const ListingQuery& q);

}  // namespace walfs
