#include "watch/follow_stream.h"

#include "http/waits.h"
#include "schema/fs_view.h"
#include "sm/state_machine.h"

namespace walfs {
namespace asio = boost::asio;

namespace {
// How long one wait for the next applied entry lasts before it looks again.
constexpr uint32_t kWaitMs = 30000;
}  // namespace

FollowStream::FollowStream(NodePort* node, std::string path, uint64_t ino, uint64_t offset,
                           size_t chunk_bytes)
    : node_(node), path_(std::move(path)), ino_(ino), sent_(offset), chunk_bytes_(chunk_bytes) {}

asio::awaitable<std::optional<std::string>> FollowStream::Next() {
  for (;;) {
    auto snap = node_->ReadSnapshot();
    auto applied = LoadAppliedPosition(*snap);
    if (!applied.ok()) co_return std::nullopt;
    FsView view(snap.get(), node_->block_bytes());
    auto n = view.Lookup(path_);
    // Deleted, renamed away, replaced by another file, or cut below what
    // was sent: the stream ends.
    if (!n.ok() || !n->has_value() || (*n)->ino != ino_ || (*n)->is_dir() ||
        (*n)->inode.size < sent_) {
      co_return std::nullopt;
    }
    uint64_t size = (*n)->inode.size;
    if (size > sent_) {
      std::string out;
      uint64_t len = std::min<uint64_t>(size - sent_, chunk_bytes_);
      if (!view.Read(**n, sent_, len, &out).ok()) co_return std::nullopt;
      sent_ += out.size();
      co_return out;
    }
    if (!co_await WaitApplied(*node_, Position{applied->ms, applied->seq + 1}, kWaitMs) &&
        !node_->stopped().ok()) {
      co_return std::nullopt;
    }
  }
}

}  // namespace walfs
