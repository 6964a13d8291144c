// The history checker itself: it accepts a correct history and flags each
// kind of violation it exists to find.
#include <gtest/gtest.h>

#include "core/hash.h"
#include "faults/history.h"

namespace walfs::testing {
namespace {

using Clock = std::chrono::steady_clock;

Position P(uint64_t ms) { return Position{ms, 0}; }

// Three appends to /f at positions 10, 20, 30 (offsets 0, 16, 32), each
// acknowledged 1 ms after the last, and the file that holds them.
struct Fixture {
  Clock::time_point t0 = Clock::now();
  std::vector<Op> ops;
  std::map<std::string, std::string> files;
  Fixture() {
    std::string content;
    for (int i = 0; i < 3; ++i) {
      Op a;
      a.path = "/f";
      a.record = "record-" + std::to_string(i) + "-------\n";
      a.ok = true;
      a.position = P(10 * (i + 1));
      a.offset = content.size();
      a.invoked = t0 + std::chrono::milliseconds(i);
      a.completed = a.invoked + std::chrono::microseconds(500);
      content += a.record;
      ops.push_back(a);
    }
    files["/f"] = content;
  }
  // A read of /f answered at `at` that saw the first `records` records.
  Op Read(Position at, size_t records, bool strong, int invoked_ms) {
    Op r;
    r.append = false;
    r.path = "/f";
    r.ok = true;
    r.strong = strong;
    r.position = at;
    r.length = records * 16;
    r.hash = Checksum64(std::string_view(files["/f"]).substr(0, r.length));
    r.invoked = t0 + std::chrono::milliseconds(invoked_ms);
    r.completed = r.invoked + std::chrono::microseconds(100);
    return r;
  }
};

TEST(HistoryCheckerTest, ACorrectHistoryPasses) {
  Fixture f;
  f.ops.push_back(f.Read(P(20), 2, /*strong=*/true, 2));  // sent after append 2 was acknowledged
  f.ops.push_back(f.Read(P(25), 2, false, 5));
  Tally t = CheckHistory(f.ops, f.files);
  EXPECT_TRUE(t.problems.empty()) << t.problems.front();
  EXPECT_EQ(t.appends_acked, 3u);
  EXPECT_EQ(t.reads_ok, 2u);
  EXPECT_EQ(t.read_violations, 0u);
}

TEST(HistoryCheckerTest, FlagsLostDuplicatedAndMisplacedAppends) {
  Fixture f;
  f.files["/f"] =
      f.files["/f"].substr(0, 32) + f.files["/f"].substr(0, 16);  // third lost, first twice
  Tally t = CheckHistory(f.ops, f.files);
  EXPECT_EQ(t.duplicated, 1u);
  EXPECT_EQ(t.misplaced, 1u);  // the third record's offset holds another record
  Fixture g;
  g.files["/f"].resize(32);
  EXPECT_EQ(CheckHistory(g.ops, g.files).missing, 1u);
}

TEST(HistoryCheckerTest, FlagsReadsThatMissOrSeeTheWrongWrites) {
  Fixture f;
  f.ops.push_back(f.Read(P(20), 1, false, 5));  // at 20 but without the append at 20
  EXPECT_EQ(CheckHistory(f.ops, f.files).read_violations, 1u);
  Fixture g;
  g.ops.push_back(g.Read(P(10), 2, false, 5));  // at 10 but with the append at 20
  EXPECT_EQ(CheckHistory(g.ops, g.files).read_violations, 1u);
  Fixture h;
  Op torn = h.Read(P(20), 2, false, 5);
  torn.hash ^= 1;  // not a prefix of the final file
  h.ops.push_back(torn);
  EXPECT_EQ(CheckHistory(h.ops, h.files).read_violations, 1u);
}

TEST(HistoryCheckerTest, FlagsBarriersThatWereNotKept) {
  Fixture f;
  // Strong, sent after the append at 30 was acknowledged, answered at 20.
  f.ops.push_back(f.Read(P(20), 2, /*strong=*/true, 5));
  EXPECT_EQ(CheckHistory(f.ops, f.files).read_violations, 1u);
  Fixture g;
  Op r = g.Read(P(20), 2, false, 5);
  r.min_position = P(30);  // asked for 30, answered at 20
  g.ops.push_back(r);
  EXPECT_EQ(CheckHistory(g.ops, g.files).read_violations, 1u);
}

}  // namespace
}  // namespace walfs::testing
