// ChangeEvent: one applied change of one path, as a watcher sees it
// (GET /v1/watch). The state machine records one per op that changed a
// path, in the same batch as the change, under keys::Event(position,
// index): identical on every replica, never for a failed entry or an
// idempotent replay. Upload ops give none, except the commit, which gives
// the event of the op it applies (put, append or write) to its target.
// Thread-safety: values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "codec/entry.h"
#include "sm/outcome.h"

namespace walfs {

struct ChangeEvent {
  // put, append, write, truncate, rename, delete, mkdir; attr (chmod,
  // chown, utimens), symlink; a copy is a put of its destination.
  std::string op;
  std::string path;
  std::string to;                  // rename: where it went
  std::optional<uint64_t> size;    // the file's size after the change
  std::optional<uint64_t> offset;  // append, write: where the bytes went
  std::optional<uint64_t> length;  // put, append, write: how many bytes
  uint64_t mtime_ms = 0;           // the entry's log time
  uint32_t index = 0;              // the op's index in its entry
  bool in_transaction = false;     // the entry has several ops: ids carry the index
  bool operator==(const ChangeEvent&) const = default;
};

// The event of op (applied, with result r; canonical paths) or nothing.
// written: the bytes a commit applied (commit_target: its op).
std::optional<ChangeEvent> EventOf(const Op& op, const std::string& path, const std::string& to,
                                   const OpResult& r, OpType commit_target, uint64_t written,
                                   uint64_t now_ms);

std::string EncodeChangeEvent(const ChangeEvent& e);
std::optional<ChangeEvent> DecodeChangeEvent(std::string_view bytes);

}  // namespace walfs
