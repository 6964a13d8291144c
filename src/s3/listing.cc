#include "s3/listing.h"

#include <algorithm>
#include <optional>

#include "core/path.h"

namespace walfs {
namespace {

// Children of a directory, all of them, ordered by key form.
Status SortedChildren(const FsView& view, uint64_t dir, std::vector<DirEntry>* out) {
  std::string after;
  for (bool more = true; more;) {
    std::vector<DirEntry> page;
    WALFS_RETURN_IF_ERROR(view.List(dir, after, 1000, &page, &more));
    if (page.empty()) break;
    after = page.back().name;
    for (auto& e : page) out->push_back(std::move(e));
  }
  auto form = [](const DirEntry& e) { return e.node.is_dir() ? e.name + "/" : e.name; };
  std::sort(out->begin(), out->end(),
            [&form](const DirEntry& a, const DirEntry& b) { return form(a) < form(b); });
  return Status::Ok();
}

struct Walker {
  const FsView& view;
  const ListingQuery& q;
  Listing* out;
  size_t count = 0;

  bool Full() const { return count >= q.max_keys; }

  // Emits what `dir` (whose keys begin with `base`) holds, in key order.
  // Returns false once the page is full with more to come.
  Result<bool> Walk(uint64_t dir, const std::string& base) {
    std::vector<DirEntry> children;
    WALFS_RETURN_IF_ERROR(SortedChildren(view, dir, &children));
    for (const DirEntry& e : children) {
      std::string key = base + e.name + (e.node.is_dir() ? "/" : "");
      // Outside the prefix: before it, skip; after it, done.
      size_t n = std::min(key.size(), q.prefix.size());
      int c = key.compare(0, n, q.prefix, 0, n);
      if (c < 0) continue;
      if (c > 0) return true;
      if (!e.node.is_dir()) {
        if (key.size() < q.prefix.size()) continue;
        if (auto cp = RollUp(key)) {
          if (!EmitPrefix(*cp)) return false;
          continue;
        }
        if (key <= q.after) continue;
        if (!Emit(key, e.node)) return false;
        continue;
      }
      // A directory: its keys all begin with `key`. Past the prefix, a
      // delimiter inside `key` rolls the whole subtree up into one prefix.
      if (auto cp = RollUp(key)) {
        if (!EmitPrefix(*cp)) return false;
        continue;
      }
      if (q.after >= key && q.after.compare(0, key.size(), key) != 0) continue;  // all before
      auto empty = view.HasChildren(e.node.ino);
      if (!empty.ok()) return empty.status();
      if (!*empty) {
        if (key.size() >= q.prefix.size() && key > q.after && !Emit(key, e.node)) return false;
        continue;
      }
      // (An empty directory's key ends in "/": with "/" as delimiter it
      // rolled up above.)
      auto more = Walk(e.node.ino, key);
      if (!more.ok() || !*more) return more;
    }
    return true;
  }

  // The common prefix a key past the prefix rolls up into: up to and with
  // the first delimiter after the prefix; nullopt if none.
  std::optional<std::string> RollUp(const std::string& key) const {
    if (q.delimiter.empty() || key.size() < q.prefix.size()) return std::nullopt;
    size_t at = key.find(q.delimiter, q.prefix.size());
    if (at == std::string::npos) return std::nullopt;
    return key.substr(0, at + q.delimiter.size());
  }

  // Keys come in order, so the keys of one common prefix come together:
  // it is listed once, unless it is at or before the marker.
  bool EmitPrefix(const std::string& cp) {
    if (cp <= q.after) return true;
    if (!out->common_prefixes.empty() && out->common_prefixes.back() == cp) return true;
    if (Full()) {
      out->truncated = true;
      return false;
    }
    out->common_prefixes.push_back(cp);
    out->last = cp;
    ++count;
    return true;
  }

  bool Emit(const std::string& key, const Node& n) {
    if (Full()) {
      out->truncated = true;
      return false;
    }
    out->contents.push_back({key, n});
    out->last = key;
    ++count;
    return true;
  }
};

}  // namespace

Result<Listing> ListBucket(const FsView& view, std::string_view bucket_path,
                           const ListingQuery& q) {
  auto bucket = view.Lookup(bucket_path);
  if (!bucket.ok()) return bucket.status();
  if (!*bucket || !(*bucket)->is_dir()) return Status(Code::kNotFound, "no such bucket");
  Listing out;
  if (q.max_keys == 0) return out;
  // Start at the deepest directory the prefix names whole ("a/b/c" starts
  // at a/b, holding keys "a/b/..."), when there is one.
  Node dir = **bucket;
  std::string base;
  size_t slash = q.prefix.rfind('/');
  if (slash != std::string::npos) {
    base = q.prefix.substr(0, slash + 1);
    auto path = NormalizePath(std::string(bucket_path) + "/" + base);
    if (!path.ok() || base.find("//") != std::string::npos || base.front() == '/') {
      return out;  // no directory holds such keys
    }
    auto sub = view.Lookup(*path);
    if (!sub.ok() && sub.status().code() != Code::kNotADirectory) return sub.status();
    if (!sub.ok() || !*sub || !(*sub)->is_dir()) return out;
    dir = **sub;
  }
  Walker w{view, q, &out};
  auto r = w.Walk(dir.ino, base);
  if (!r.ok()) return r.status();
  return out;
}

}  // namespace walfs
