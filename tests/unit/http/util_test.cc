#include "http/util.h"

#include <gtest/gtest.h>

#include <vector>

namespace walfs {
namespace {

TEST(RangeTest, ParsesTheThreeForms) {
  auto r = ParseRange("bytes=2-4", 10);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->offset, 2u);
  EXPECT_EQ(r->length, 3u);
  EXPECT_EQ(ParseRange("bytes=7-", 10)->length, 3u);
  EXPECT_EQ(ParseRange("bytes=-4", 10)->offset, 6u);
  EXPECT_EQ(ParseRange("bytes=-40", 10)->length, 10u);
  EXPECT_EQ(ParseRange("bytes=5-400", 10)->length, 5u);
}

TEST(RangeTest, RejectsUnsatisfiableAndMalformed) {
  for (const char* h : {"bytes=10-", "bytes=10-12", "bytes=5-2", "bytes=-0", "bytes=a-b",
                        "items=1-2", "bytes=1-2,4-5", "bytes=", "bytes=-"}) {
    auto r = ParseRange(h, 10);
    ASSERT_FALSE(r.ok()) << h;
    EXPECT_EQ(r.status().code(), Code::kInvalidRange) << h;
  }
  EXPECT_FALSE(ParseRange("bytes=-1", 0).ok());
}

// RFC 9110: an unknown unit is ignored, and several ranges may be served
// 200 whole; only a bytes range that cannot be met is 416.
TEST(RangeTest, SelectRangeIgnoresUnknownUnitsAndServesSeveralWhole) {
  EXPECT_FALSE(SelectRange("", 10)->has_value());
  EXPECT_FALSE(SelectRange("items=1-2", 10)->has_value());
  EXPECT_FALSE(SelectRange("bytes=1-2,4-5", 10)->has_value());
  EXPECT_FALSE(SelectRange("bytes=1-2, 40-50", 10)->has_value());
  auto one = SelectRange("bytes=2-4", 10);
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->offset, 2u);
  EXPECT_EQ(SelectRange("Bytes=2-4", 10).ok(), true);
  EXPECT_EQ(SelectRange("bytes=10-", 10).status().code(), Code::kInvalidRange);
}

TEST(EtagTest, ParsesListsAndComparesStronglyOrWeakly) {
  auto l = ParseEtagList(R"("a", W/"b" ,"c,d")");
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(*l, (std::vector<std::string>{R"("a")", R"(W/"b")", R"("c,d")"}));
  EXPECT_FALSE(ParseEtagList("a").has_value());
  EXPECT_FALSE(ParseEtagList(R"("a" "b")").has_value());
  EXPECT_FALSE(ParseEtagList(R"("a)").has_value());
  EXPECT_FALSE(ParseEtagList("").has_value());
  EXPECT_TRUE(EtagMatchesStrong(R"("1-0")", R"("1-0")"));
  EXPECT_FALSE(EtagMatchesStrong(R"(W/"1-0")", R"("1-0")"));
  EXPECT_TRUE(EtagMatchesWeak(R"(W/"1-0")", R"("1-0")"));
  EXPECT_FALSE(EtagMatchesWeak(R"("1-1")", R"("1-0")"));
}

TEST(CommaListTest, TrimsItemsAndLeavesOutEmptyOnes) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(CommaList(""), V{});
  EXPECT_EQ(CommaList(" , ,"), V{});
  EXPECT_EQ(CommaList("a"), V{"a"});
  EXPECT_EQ(CommaList(" a ,b,, c d "), (V{"a", "b", "c d"}));
}

TEST(HttpDateTest, ParsesImfFixdateOnly) {
  EXPECT_EQ(ParseHttpDate("Tue, 24 Nov 2026 17:00:00 GMT"), 1795539600u);
  EXPECT_EQ(ParseHttpDate(FormatHttpDate(1795539600123)), 1795539600u);
  EXPECT_FALSE(ParseHttpDate("yesterday").has_value());
  EXPECT_FALSE(ParseHttpDate("Tue, 24 Nov 2026 17:00:00 UTC").has_value());
}

TEST(QueryTest, DecodesPairsAndFlags) {
  auto q = ParseQuery("op=rename&to=%2Fnew%20dir%2Fx&overwrite&&empty=");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->at("to"), "/new dir/x");
  EXPECT_EQ(q->at("overwrite"), "");
  EXPECT_EQ(q->at("empty"), "");
  EXPECT_FALSE(ParseQuery("a=%zz").ok());
}

TEST(TimeTest, FormatsIsoAndHttpDates) {
  EXPECT_EQ(FormatIsoTime(1732467600123), "2024-11-24T17:00:00.123Z");
  EXPECT_EQ(FormatHttpDate(1732467600123), "Sun, 24 Nov 2024 17:00:00 GMT");
}

TEST(Base64Test, RoundTripsAndRejectsJunk) {
  for (std::string s : std::vector<std::string>{"", "f", "fo", "foo", "foob", "fooba", "foobar",
                                                std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(*Base64Decode(Base64Encode(s)), s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  for (const char* bad : {"Zm9", "Zm9v!", "Z===", "Zm=v", "Zg==Zg=="}) {
    EXPECT_FALSE(Base64Decode(bad)) << bad;
  }
}

TEST(StatusMappingTest, EveryContractCodeHasItsStatus) {
  EXPECT_EQ(HttpStatusFor(Code::kInvalidPath), 400);
  EXPECT_EQ(HttpStatusFor(Code::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(Code::kNotEmpty), 409);
  EXPECT_EQ(HttpStatusFor(Code::kPreconditionFailed), 412);
  EXPECT_EQ(HttpStatusFor(Code::kTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(Code::kInvalidRange), 416);
  EXPECT_EQ(HttpStatusFor(Code::kIdempotencyKeyReused), 422);
  EXPECT_EQ(HttpStatusFor(Code::kLogUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(Code::kTimeout), 504);
}

}  // namespace
}  // namespace walfs
