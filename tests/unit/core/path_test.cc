#include "core/path.h"

#include <gtest/gtest.h>

namespace walfs {
namespace {

std::string Norm(std::string_view s) {
  auto r = NormalizePath(s);
  return r.ok() ? *r : "ERR:" + std::string(CodeName(r.status().code()));
}

TEST(PathTest, NormalizesLeadingAndTrailingSlashes) {
  EXPECT_EQ(Norm(""), "/");
  EXPECT_EQ(Norm("/"), "/");
  EXPECT_EQ(Norm("logs/app.log"), "/logs/app.log");
  EXPECT_EQ(Norm("/logs/app.log"), "/logs/app.log");
  EXPECT_EQ(Norm("logs/"), "/logs");
}

TEST(PathTest, RejectsEveryInvalidForm) {
  EXPECT_EQ(Norm("a//b"), "ERR:invalid_path");
  EXPECT_EQ(Norm("a/./b"), "ERR:invalid_path");
  EXPECT_EQ(Norm("a/../b"), "ERR:invalid_path");
  EXPECT_EQ(Norm(".."), "ERR:invalid_path");
  EXPECT_EQ(Norm(std::string("a\0b", 3)), "ERR:invalid_path");
  EXPECT_EQ(Norm("bad\xff"), "ERR:invalid_path");
  EXPECT_EQ(Norm("over\xc0\xaf"), "ERR:invalid_path");  // overlong '/'
  EXPECT_EQ(Norm("surrogate\xed\xa0\x80"), "ERR:invalid_path");
  EXPECT_EQ(Norm("trunc\xe2\x82"), "ERR:invalid_path");
  EXPECT_EQ(Norm("///"), "ERR:invalid_path");
}

TEST(PathTest, EnforcesLengthLimits) {
  EXPECT_EQ(Norm(std::string(255, 'a')), "/" + std::string(255, 'a'));
  EXPECT_EQ(Norm(std::string(256, 'a')), "ERR:invalid_path");
  std::string long_path;
  while (long_path.size() < 4095) long_path += "abcdefgh/";
  long_path.resize(4095);
  if (long_path.back() == '/') long_path.back() = 'x';
  EXPECT_EQ(Norm(long_path), "/" + long_path);  // 4096 with the leading slash
  EXPECT_EQ(Norm(long_path + "y"), "ERR:invalid_path");
}

TEST(PathTest, AcceptsUtf8) {
  EXPECT_EQ(Norm("caf\xc3\xa9/\xf0\x9f\x98\x80"), "/caf\xc3\xa9/\xf0\x9f\x98\x80");
}

TEST(PathTest, ComponentsParentAndBase) {
  auto c = PathComponents("/a/b/c");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[2], "c");
  EXPECT_TRUE(PathComponents("/").empty());
  EXPECT_EQ(ParentPath("/a/b"), "/a");
  EXPECT_EQ(ParentPath("/a"), "/");
  EXPECT_EQ(BaseName("/a/b"), "b");
}

TEST(PathTest, SameOrBeneath) {
  EXPECT_TRUE(IsSameOrBeneath("/a/b", "/a"));
  EXPECT_TRUE(IsSameOrBeneath("/a", "/a"));
  EXPECT_FALSE(IsSameOrBeneath("/ab", "/a"));
  EXPECT_TRUE(IsSameOrBeneath("/x", "/"));
}

TEST(PathTest, PercentDecode) {
  EXPECT_EQ(*PercentDecode("a%20b%2Fc"), "a b/c");
  EXPECT_FALSE(PercentDecode("a%2").ok());
  EXPECT_FALSE(PercentDecode("a%zz").ok());
  EXPECT_EQ(*PercentDecode("%00"), std::string("\0", 1));
}

}  // namespace
}  // namespace walfs
