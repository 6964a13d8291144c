// ReadAhead: what an open file has fetched ahead of a sequential reader.
// The file is seen as windows of kWindowBytes at aligned offsets; a read
// is answered from the windows it falls in, fetched on demand, and a
// sequential reader has the kAheadWindows after the one it reads fetched
// in the background, several at once over their own connections, so that
// it seldom waits for a server round trip (the kernel sends a reader's
// reads a few at a time and not always in order; aligned windows serve
// them in any order). At most kAheadWindows + 2 windows are held (6 MiB);
// a reader that jumps about reads exactly what it asks, nothing ahead.
// Windows belong to a generation (the mount's count of writes): a read
// in a later generation fetches again, so a reader sees this mount's
// writes (mount.md, "Reads and caching").
// Thread-safety: not thread-safe (the open file's mutex guards it); the
// fetches in the background touch only their own window's bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <string>
#include <vector>

namespace walfs {

class ReadAhead {
 public:
  static constexpr uint64_t kWindowBytes = 1 << 20;
  static constexpr int kAheadWindows = 4;

  // Puts into *into the bytes of the file from offset, length of them (fewer
  // at its end, none past it); returns 0 or an errno. Called from the
  // reading thread for what a read needs now, and through Post for what
  // is fetched ahead.
  using Fetch = std::function<int(uint64_t offset, uint64_t length, std::string* into)>;
  // Runs a task on another thread (the mount's fetching threads: a thread
  // started and ended per fetch cost more than the fetch on this machine).
  using Post = std::function<void(std::function<void()>)>;

  ReadAhead() = default;
  ~ReadAhead();  // waits for the fetches in flight
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // Copies [at, at + size) into buf: the bytes copied (fewer at the end of
  // the file), or -errno.
  int Read(char* buf, size_t size, uint64_t at, uint64_t generation, const Fetch& fetch,
           const Post& post);
  // Whether Read(at, size) in generation would be answered from windows
  // fetched already, without waiting for anything.
  bool Ready(size_t size, uint64_t at, uint64_t generation) const;
  // Forgets every window (the file is gone), once their fetches are done.
  void Clear();
  // Windows held, fetched or being fetched (tests).
  size_t held() const { return windows_.size(); }

 private:
  struct Window {
    uint64_t index = 0;
    uint64_t generation = 0;
    std::string bytes;             // the fetch's until done is ready
    std::shared_future<int> done;  // 0 or errno
    bool served = false;           // a read was answered from it
    bool Ready() const;
  };

  // The window of index in generation: held, or fetched now.
  Window* Find(uint64_t index, uint64_t generation, const Fetch& fetch);
  // A new window, with the buffer of one dropped if there is one.
  Window* Add(uint64_t index, uint64_t generation);
  // Drops the windows done that are not the one before current, current or
  // the kAheadWindows after it.
  void Evict(uint64_t current);
  // Drops the windows drop says (done ones only), keeping their buffers.
  void DropIf(const std::function<bool(const Window&)>& drop);

  std::list<std::unique_ptr<Window>> windows_;  // dropped by index (Evict), not by age
  std::vector<std::string> spare_;              // buffers of windows dropped
  uint64_t next_read_ = 0;                      // where a sequential reader goes on
};

}  // namespace walfs
