#include "core/position.h"

#include <gtest/gtest.h>

namespace walfs {
namespace {

TEST(PositionTest, ParsesAndPrints) {
  auto p = Position::Parse("1732464000000-3");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->ms, 1732464000000u);
  EXPECT_EQ(p->seq, 3u);
  EXPECT_EQ(p->ToString(), "1732464000000-3");
  EXPECT_EQ(Position::Parse("5")->ToString(), "5-0");
}

TEST(PositionTest, RejectsGarbage) {
  for (const char* s : {"", "-", "1-", "-1", "a-1", "1-b", "1-2-3", "99999999999999999999999-0"}) {
    EXPECT_FALSE(Position::Parse(s)) << s;
  }
}

TEST(PositionTest, OrdersAndEncodesInOrder) {
  Position a{1, 9}, b{2, 0}, c{2, 1};
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(a.Encode(), b.Encode());
  EXPECT_LT(b.Encode(), c.Encode());
  EXPECT_EQ(*Position::Decode(c.Encode()), c);
  EXPECT_FALSE(Position::Decode("short"));
}

}  // namespace
// A replica that has applied nothing was shown 56 years behind (from the
// epoch); it is measured from the log's first entry instead.
TEST(PositionTest, LagOfAReplicaThatAppliedNothingIsFromTheLogsFirstEntry) {
  Position first{1796000000000, 0}, last{1796000005000, 2};
  EXPECT_EQ(LagMs({}, last, first), 5000u);
  EXPECT_EQ(LagMs({}, last), 0u);
  EXPECT_EQ(LagMs({}, {}, {}), 0u);
  EXPECT_EQ(LagMs({1796000004000, 0}, last, first), 1000u);
  EXPECT_EQ(LagMs(last, last, first), 0u);
}

}  // namespace walfs
