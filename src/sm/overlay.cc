#include "sm/overlay.h"

namespace walfs {

void Overlay::MergeInto(Overlay* into) {
  for (auto& [k, v] : m_) into->m_[k] = std::move(v);
  m_.clear();
}

Result<std::optional<std::string>> Overlay::Get(std::string_view key) const {
  auto it = m_.find(key);
  if (it != m_.end()) return it->second;
  if (!cache_reads_) return parent_->Get(key);
  auto c = read_cache_.find(key);
  if (c != read_cache_.end()) return c->second;
  auto v = parent_->Get(key);
  if (v.ok()) read_cache_.emplace(std::string(key), *v);
  return v;
}

Status Overlay::Scan(std::string_view prefix, std::string_view from, const ScanFn& fn) const {
  auto it = m_.lower_bound(from);
  auto in_prefix = [&](const std::string& k) { return k.compare(0, prefix.size(), prefix) == 0; };
  bool stopped = false;
  // Emits pending puts below `limit` (all remaining when limit is null).
  auto drain_until = [&](const std::string_view* limit) {
    while (!stopped && it != m_.end() && in_prefix(it->first) &&
           (limit == nullptr || it->first < *limit)) {
      if (it->second && !fn(it->first, *it->second)) stopped = true;
      ++it;
    }
  };
  Status st = parent_->Scan(prefix, from, [&](std::string_view k, std::string_view v) {
    drain_until(&k);
    if (stopped) return false;
    if (it != m_.end() && it->first == k) {
      bool keep = it->second ? fn(k, *it->second) : true;
      ++it;
      if (!keep) stopped = true;
      return keep;
    }
    if (!fn(k, v)) stopped = true;
    return !stopped;
  });
  WALFS_RETURN_IF_ERROR(st);
  drain_until(nullptr);
  return Status::Ok();
}

Result<std::optional<std::string>> MemStore::Get(std::string_view key) const {
  auto it = m_.find(key);
  if (it == m_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status MemStore::Scan(std::string_view prefix, std::string_view from, const ScanFn& fn) const {
  for (auto it = m_.lower_bound(from); it != m_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (!fn(it->first, it->second)) break;
  }
  return Status::Ok();
}

void MemStore::Apply(const Overlay& o) {
  for (const auto& [k, v] : o.mutations()) {
    if (v) {
      m_[k] = *v;
    } else {
      m_.erase(k);
    }
  }
}

}  // namespace walfs
