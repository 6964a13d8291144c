#include "sm/change_event.h"

#include "core/bytes.h"

namespace walfs {
namespace {

// Bits of the encoding's flags byte.
constexpr uint8_t kHasTo = 1, kHasSize = 2, kHasOffset = 4, kHasLength = 8, kInTx = 16;

}  // namespace

std::optional<ChangeEvent> EventOf(const Op& op, const std::string& path, const std::string& to,
                                   const OpResult& r, OpType commit_target, uint64_t written,
                                   uint64_t now_ms) {
  ChangeEvent e;
  e.path = path;
  e.mtime_ms = now_ms;
  switch (op.type) {
    case OpType::kPut:
      e.op = "put";
      e.size = r.size;
      e.length = op.data.size();
      break;
    case OpType::kAppend:
    case OpType::kWrite:
      e.op = op.type == OpType::kAppend ? "append" : "write";
      e.size = r.size;
      e.offset = r.offset;
      e.length = op.data.size();
      break;
    case OpType::kTruncate:
      e.op = "truncate";
      e.size = r.size;
      break;
    case OpType::kRename:
      e.op = "rename";
      e.to = to;
      break;
    case OpType::kDelete:
      e.op = "delete";
      break;
    case OpType::kMkdir:
      e.op = "mkdir";
      break;
    case OpType::kCopy:
      e.op = "put";
      e.path = to;
      e.size = r.size;
      e.length = r.size;
      break;
    case OpType::kSetAttr:
      e.op = "attr";
      break;
    case OpType::kSymlink:
      e.op = "symlink";
      break;
    case OpType::kUploadCommit:
      e.op = commit_target == OpType::kAppend  ? "append"
             : commit_target == OpType::kWrite ? "write"
                                               : "put";
      e.path = r.path;
      e.size = r.size;
      if (commit_target != OpType::kPut) e.offset = r.offset;
      e.length = written;
      break;
    default:
      return std::nullopt;  // the other upload ops change no path
  }
  return e;
}

// u8 flags, bytes op, bytes path, [bytes to], [varint size], [varint
// offset], [varint length], varint mtime_ms, varint index.
std::string EncodeChangeEvent(const ChangeEvent& e) {
  std::string out;
  uint8_t flags = (e.to.empty() ? 0 : kHasTo) | (e.size ? kHasSize : 0) |
                  (e.offset ? kHasOffset : 0) | (e.length ? kHasLength : 0) |
                  (e.in_transaction ? kInTx : 0);
  out.push_back(static_cast<char>(flags));
  PutBytes(&out, e.op);
  PutBytes(&out, e.path);
  if (flags & kHasTo) PutBytes(&out, e.to);
  if (e.size) PutVarint(&out, *e.size);
  if (e.offset) PutVarint(&out, *e.offset);
  if (e.length) PutVarint(&out, *e.length);
  PutVarint(&out, e.mtime_ms);
  PutVarint(&out, e.index);
  return out;
}

std::optional<ChangeEvent> DecodeChangeEvent(std::string_view bytes) {
  constexpr uint64_t kMax = 1 << 16;
  Reader r(bytes);
  ChangeEvent e;
  uint8_t flags = r.U8();
  e.op = std::string(r.Bytes(kMax));
  e.path = std::string(r.Bytes(kMax));
  if (flags & kHasTo) e.to = std::string(r.Bytes(kMax));
  if (flags & kHasSize) e.size = r.Varint();
  if (flags & kHasOffset) e.offset = r.Varint();
  if (flags & kHasLength) e.length = r.Varint();
  e.mtime_ms = r.Varint();
  e.index = static_cast<uint32_t>(r.Varint());
  e.in_transaction = (flags & kInTx) != 0;
  if (!r.ok() || !r.done()) return std::nullopt;
  return e;
}

}  // namespace walfs
