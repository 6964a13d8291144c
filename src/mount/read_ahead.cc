#include "mount/read_ahead.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace walfs {

bool ReadAhead::Window::Ready() const {
  return done.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

ReadAhead::~ReadAhead() { Clear(); }

void ReadAhead::Clear() {
  for (auto& w : windows_) w->done.wait();
  windows_.clear();
}

ReadAhead::Window* ReadAhead::Add(uint64_t index, uint64_t generation) {
  auto w = std::make_unique<Window>();
  if (!spare_.empty()) {
    w->bytes = std::move(spare_.back());
    spare_.pop_back();
  }
  w->index = index;
  w->generation = generation;
  windows_.push_front(std::move(w));
  return windows_.front().get();
}

ReadAhead::Window* ReadAhead::Find(uint64_t index, uint64_t generation, const Fetch& fetch) {
  auto it = std::find_if(windows_.begin(), windows_.end(), [&](const auto& w) {
    return w->index == index && w->generation == generation;
  });
  if (it != windows_.end()) return it->get();
  Window* w = Add(index, generation);
  std::promise<int> done;
  done.set_value(fetch(index * kWindowBytes, kWindowBytes, &w->bytes));
  w->done = done.get_future().share();
  return w;
}

void ReadAhead::Evict(uint64_t current) {
  // The kernel sends a reader's reads a few at a time, not always in
  // order: the window before the current one stays too.
  DropIf([&](const Window& w) {
    return (w.index + 1 < current || w.index > current + kAheadWindows) && w.Ready();
  });
}

void ReadAhead::DropIf(const std::function<bool(const Window&)>& drop) {
  for (auto it = windows_.begin(); it != windows_.end();) {
    if (!drop(**it)) {
      ++it;
      continue;
    }
    // Its buffer is kept for the next window (a fresh one would have its
    // pages faulted in again, which costs more than the copy).
    if (spare_.size() < kAheadWindows + 2) spare_.push_back(std::move((*it)->bytes));
    it = windows_.erase(it);
  }
}

bool ReadAhead::Ready(size_t size, uint64_t at, uint64_t generation) const {
  const uint64_t span = kWindowBytes * kAheadWindows;
  if (size == 0 || at + span < next_read_ || at > next_read_ + span) return false;
  for (uint64_t pos = at; pos < at + size;) {
    uint64_t index = pos / kWindowBytes;
    auto it = std::find_if(windows_.begin(), windows_.end(), [&](const auto& w) {
      return w->index == index && w->generation == generation;
    });
    if (it == windows_.end() || !(*it)->Ready() || (*it)->done.get() != 0) return false;
    const Window& w = **it;
    if (w.bytes.size() < kWindowBytes) {
      // The file's last window: read again if a read already went to its end.
      return !w.served || at + size <= index * kWindowBytes + w.bytes.size();
    }
    pos = (index + 1) * kWindowBytes;
  }
  return true;
}

int ReadAhead::Read(char* buf, size_t size, uint64_t at, uint64_t generation, const Fetch& fetch,
                    const Post& post) {
  const uint64_t span = kWindowBytes * kAheadWindows;
  bool sequential = at + span >= next_read_ && at <= next_read_ + span;
  if (!sequential) {
    // Exactly what is asked, in this thread; nothing kept.
    std::string bytes;
    if (int e = fetch(at, size, &bytes); e != 0) return -e;
    size_t n = std::min(size, bytes.size());
    std::memcpy(buf, bytes.data(), n);
    next_read_ = at + n;
    return static_cast<int>(n);
  }
  // Windows of an older generation may miss this mount's writes.
  DropIf([&](const Window& w) { return w.generation != generation && w.Ready(); });
  size_t copied = 0;
  bool ended = false;  // in a window shorter than the rest: the file's last
  while (copied < size && !ended) {
    uint64_t pos = at + copied;
    uint64_t index = pos / kWindowBytes;
    Window* w = Find(index, generation, fetch);
    int e = w->done.get();
    if (e != 0) {
      DropIf([&](const Window& x) { return &x == w; });
      if (copied > 0) break;  // what was read; the error comes again next time
      return -e;
    }
    ended = w->bytes.size() < kWindowBytes;
    size_t from = static_cast<size_t>(pos - index * kWindowBytes);
    if (ended && w->served && from + (size - copied) > w->bytes.size()) {
      // The end of the file when it was fetched, read already: the file
      // may have grown since (a reader following it).
      DropIf([&](const Window& x) { return &x == w; });
      ended = false;
      continue;
    }
    w->served = true;
    if (from >= w->bytes.size()) break;
    size_t n = std::min(size - copied, w->bytes.size() - from);
    std::memcpy(buf + copied, w->bytes.data() + from, n);
    copied += n;
  }
  next_read_ = std::max(next_read_, at + copied);
  if (!ended) {
    // The windows after the last one read.
    uint64_t last = (at + size - 1) / kWindowBytes;
    for (uint64_t i = last + 1; i <= last + kAheadWindows; ++i) {
      bool held = std::any_of(windows_.begin(), windows_.end(), [&](const auto& w) {
        return w->index == i && w->generation == generation;
      });
      if (held) continue;
      Window* w = Add(i, generation);
      auto done = std::make_shared<std::promise<int>>();
      w->done = done->get_future().share();
      post([fetch, done, offset = i * kWindowBytes, into = &w->bytes] {
        done->set_value(fetch(offset, kWindowBytes, into));
      });
    }
  }
  Evict((at + std::max<size_t>(copied, 1) - 1) / kWindowBytes);
  return static_cast<int>(copied);
}

}  // namespace walfs
