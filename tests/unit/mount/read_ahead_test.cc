// ReadAhead: the windows an open file of the mount reads through, over a
// file in memory whose fetches are counted, with fetches ahead run on
// threads of their own.
#include "mount/read_ahead.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace walfs {
namespace {

constexpr uint64_t kW = ReadAhead::kWindowBytes;

// A file in memory: fetches of it, by offset, and an errno to fail them with.
struct FakeFile {
  std::mutex mu;
  std::string bytes;
  std::map<uint64_t, int> fetches;  // offset -> times
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  int fail = 0;

  ReadAhead::Fetch Fetch() {
    return [this](uint64_t offset, uint64_t length, std::string* into) {
      std::lock_guard<std::mutex> lock(mu);
      ++fetches[offset];
      calls.emplace_back(offset, length);
      if (fail != 0) return fail;
      *into = offset >= bytes.size() ? "" : bytes.substr(offset, length);
      return 0;
    };
  }
  void Set(std::string b) {
    std::lock_guard<std::mutex> lock(mu);
    bytes = std::move(b);
  }
  int Fetched(uint64_t offset) {
    std::lock_guard<std::mutex> lock(mu);
    return fetches[offset];
  }
};

// Runs each task on a thread of its own, all joined at the end.
struct Threads {
  std::mutex mu;
  std::vector<std::thread> threads;
  ReadAhead::Post Post() {
    return [this](std::function<void()> task) {
      std::lock_guard<std::mutex> lock(mu);
      threads.emplace_back(std::move(task));
    };
  }
  ~Threads() {
    for (auto& t : threads) t.join();
  }
};

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 7919 + i / 4096) % 251);
  return s;
}

TEST(ReadAheadTest, ASequentialReaderGetsEveryByteWithEachWindowFetchedOnce) {
  Threads threads;
  FakeFile file;
  file.Set(Pattern(5 * kW + kW / 2));
  {
    ReadAhead ra;
    std::string got;
    std::vector<char> buf(128 << 10);
    for (uint64_t at = 0;;) {
      int n = ra.Read(buf.data(), buf.size(), at, 1, file.Fetch(), threads.Post());
      ASSERT_GE(n, 0);
      if (n == 0) break;
      got.append(buf.data(), static_cast<size_t>(n));
      at += static_cast<uint64_t>(n);
      EXPECT_LE(ra.held(), ReadAhead::kAheadWindows + 2u);
    }
    EXPECT_EQ(got, file.bytes);
  }
  for (uint64_t i = 0; i < 5; ++i) EXPECT_EQ(file.Fetched(i * kW), 1) << "window " << i;
  // The last window once more, by the read at the end (the file may have
  // grown since); nothing past it twice.
  EXPECT_EQ(file.Fetched(5 * kW), 2);
  for (const auto& [offset, times] : file.fetches) {
    if (offset != 5 * kW) {
      EXPECT_EQ(times, 1) << offset;
    }
  }
}

TEST(ReadAheadTest, ReadsOutOfOrderWithinTheWindowsAreServedWithoutFetchingAgain) {
  Threads threads;
  FakeFile file;
  file.Set(Pattern(8 * kW));
  ReadAhead ra;
  std::vector<char> buf(kW / 2);
  // As the kernel's read-ahead sends them: a few at once, not in order
  // (never more than a window behind), one of them across two windows.
  for (uint64_t at :
       {uint64_t{0}, kW / 2, 2 * kW, kW, kW + kW / 2, 3 * kW - kW / 4, 2 * kW + kW / 4}) {
    int n = ra.Read(buf.data(), buf.size(), at, 1, file.Fetch(), threads.Post());
    ASSERT_EQ(n, static_cast<int>(buf.size()));
    EXPECT_EQ(std::string(buf.data(), buf.size()), file.bytes.substr(at, buf.size())) << at;
  }
  for (uint64_t i = 0; i < 4; ++i) EXPECT_EQ(file.Fetched(i * kW), 1) << "window " << i;
}

TEST(ReadAheadTest, ALaterGenerationFetchesAgain) {
  Threads threads;
  FakeFile file;
  file.Set(std::string(2 * kW, 'a'));
  ReadAhead ra;
  char c = 0;
  ASSERT_EQ(ra.Read(&c, 1, 10, 1, file.Fetch(), threads.Post()), 1);
  EXPECT_EQ(c, 'a');
  file.Set(std::string(2 * kW, 'b'));  // written through the mount: generation 2
  ASSERT_EQ(ra.Read(&c, 1, 11, 1, file.Fetch(), threads.Post()), 1);
  EXPECT_EQ(c, 'a');  // the same generation may keep what it fetched
  ASSERT_EQ(ra.Read(&c, 1, 12, 2, file.Fetch(), threads.Post()), 1);
  EXPECT_EQ(c, 'b');
}

TEST(ReadAheadTest, AReaderFollowingAGrowingFileSeesWhatWasAppended) {
  Threads threads;
  FakeFile file;
  file.Set("first line\n");
  ReadAhead ra;
  std::vector<char> buf(4096);
  ASSERT_EQ(ra.Read(buf.data(), buf.size(), 0, 1, file.Fetch(), threads.Post()), 11);
  EXPECT_EQ(ra.Read(buf.data(), buf.size(), 11, 1, file.Fetch(), threads.Post()), 0);
  file.Set("first line\nsecond\n");  // appended elsewhere: no write of this mount
  ASSERT_EQ(ra.Read(buf.data(), buf.size(), 11, 1, file.Fetch(), threads.Post()), 7);
  EXPECT_EQ(std::string(buf.data(), 7), "second\n");
}

TEST(ReadAheadTest, AReaderThatJumpsReadsExactlyWhatItAsks) {
  Threads threads;
  FakeFile file;
  file.Set(Pattern(64 * kW));
  ReadAhead ra;
  std::vector<char> buf(4096);
  ASSERT_EQ(ra.Read(buf.data(), buf.size(), 0, 1, file.Fetch(), threads.Post()), 4096);
  uint64_t far = 40 * kW + 12345;
  ASSERT_EQ(ra.Read(buf.data(), buf.size(), far, 1, file.Fetch(), threads.Post()), 4096);
  EXPECT_EQ(std::string(buf.data(), buf.size()), file.bytes.substr(far, 4096));
  ra.Clear();  // the fetches ahead of the first read are done
  std::lock_guard<std::mutex> lock(file.mu);
  std::vector<std::pair<uint64_t, uint64_t>> beyond;  // past what the first read had ahead
  for (const auto& c : file.calls) {
    if (c.first > ReadAhead::kAheadWindows * kW) beyond.push_back(c);
  }
  ASSERT_EQ(beyond.size(), 1u);
  EXPECT_EQ(beyond[0], std::make_pair(far, uint64_t{4096}));
}

TEST(ReadAheadTest, AFailedFetchIsTheReadsErrorAndIsTriedAgain) {
  Threads threads;
  FakeFile file;
  file.Set(Pattern(kW));
  file.fail = EIO;
  ReadAhead ra;
  char c = 0;
  EXPECT_EQ(ra.Read(&c, 1, 0, 1, file.Fetch(), threads.Post()), -EIO);
  file.fail = 0;
  EXPECT_EQ(ra.Read(&c, 1, 0, 1, file.Fetch(), threads.Post()), 1);
  EXPECT_EQ(c, file.bytes[0]);
  EXPECT_EQ(file.Fetched(0), 2);
}

TEST(ReadAheadTest, ReadyOnlyForBytesFetchedAlready) {
  Threads threads;
  FakeFile file;
  file.Set(Pattern(2 * kW + 100));
  ReadAhead ra;
  std::vector<char> buf(4096);
  EXPECT_FALSE(ra.Ready(buf.size(), 0, 1));  // nothing fetched yet
  ASSERT_EQ(ra.Read(buf.data(), buf.size(), 0, 1, file.Fetch(), threads.Post()), 4096);
  EXPECT_TRUE(ra.Ready(buf.size(), 4096, 1));      // the window read from
  EXPECT_FALSE(ra.Ready(buf.size(), 4096, 2));     // not in a later generation
  EXPECT_FALSE(ra.Ready(buf.size(), 40 * kW, 1));  // a jump: fetched when asked
  ra.Clear();                                      // the windows ahead are done
  ASSERT_EQ(ra.Read(buf.data(), buf.size(), 0, 1, file.Fetch(), threads.Post()), 4096);
  ra.Clear();
  // Nothing held after a Clear; a read fetches them again, and once those
  // ahead are in, reads of them are ready, the end of the file too.
  ASSERT_EQ(ra.Read(buf.data(), buf.size(), 0, 1, file.Fetch(), threads.Post()), 4096);
  // (Each window ahead is fetched on its own thread: any may finish first.)
  auto ahead_in = [&] { return ra.Ready(100, 2 * kW, 1) && ra.Ready(buf.size(), kW - 10, 1); };
  for (int i = 0; i < 1000 && !ahead_in(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(ra.Ready(100, 2 * kW, 1));
  EXPECT_TRUE(ra.Ready(buf.size(), kW - 10, 1));  // across two windows
  ASSERT_EQ(ra.Read(buf.data(), 100, 2 * kW, 1, file.Fetch(), threads.Post()), 100);
  // The file's end was read: a read past it fetches again (it may have grown).
  EXPECT_FALSE(ra.Ready(buf.size(), 2 * kW, 1));
}

TEST(ReadAheadTest, ClearForgetsEverything) {
  Threads threads;
  FakeFile file;
  file.Set(Pattern(3 * kW));
  ReadAhead ra;
  char c = 0;
  ASSERT_EQ(ra.Read(&c, 1, 0, 1, file.Fetch(), threads.Post()), 1);
  EXPECT_GT(ra.held(), 0u);
  ra.Clear();
  EXPECT_EQ(ra.held(), 0u);
}

}  // namespace
}  // namespace walfs
