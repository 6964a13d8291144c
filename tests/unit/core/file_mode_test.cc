// A mode as octal text, both ways.
#include "core/file_mode.h"

#include <gtest/gtest.h>

namespace walfs {
namespace {

TEST(FileModeTest, FormatsFourOctalDigitsOfTheModeBits) {
  EXPECT_EQ(FormatMode(0644), "0644");
  EXPECT_EQ(FormatMode(04755), "4755");
  EXPECT_EQ(FormatMode(0), "0000");
  EXPECT_EQ(FormatMode(0100644), "0644");  // the file type is not a mode bit
}

TEST(FileModeTest, ParsesOneToSixOctalDigitsUpTo07777) {
  EXPECT_EQ(ParseMode("644"), 0644u);
  EXPECT_EQ(ParseMode("0644"), 0644u);
  EXPECT_EQ(ParseMode("000644"), 0644u);
  EXPECT_EQ(ParseMode("7777"), 07777u);
  for (const char* bad : {"", "0o644", "0644 ", "-1", "8", "10000", "0000644", "x"}) {
    EXPECT_EQ(ParseMode(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace walfs
