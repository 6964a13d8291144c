// A TOML configuration file as the arguments it stands for
// (config/toml_args.h).
#include "config/toml_args.h"

#include <gtest/gtest.h>

namespace walfs {
namespace {

using Args = std::vector<std::string>;

TEST(TomlArgsTest, EachKindOfValueBecomesItsArguments) {
  auto got = TomlToArgs(R"(# a comment
listen = "127.0.0.1:8080"
heartbeat-ms = 250

metrics-public = true
insecure-no-auth = false
volume = ["big=/big@redis://h:1", "logs=/logs@local"]
ratio = 0.5
)",
                        "f.toml");
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), 6u);
  const auto& a = *got;
  EXPECT_EQ(a[0].key, "listen");
  EXPECT_EQ(a[0].args, (Args{"--listen", "127.0.0.1:8080"}));
  EXPECT_EQ(a[0].line, 2u);
  EXPECT_EQ(a[1].args, (Args{"--heartbeat-ms", "250"}));
  EXPECT_EQ(a[1].line, 3u);
  EXPECT_EQ(a[2].args, (Args{"--metrics-public"}));
  EXPECT_EQ(a[2].line, 5u);
  EXPECT_EQ(a[3].key, "insecure-no-auth");
  EXPECT_EQ(a[3].args, Args{});  // false: the flag is not given
  EXPECT_EQ(a[4].args, (Args{"--volume", "big=/big@redis://h:1", "--volume", "logs=/logs@local"}));
  EXPECT_EQ(a[5].args, (Args{"--ratio", "0.5"}));
}

TEST(TomlArgsTest, BadFilesAreRefusedWithTheirLine) {
  struct Case {
    const char* text;
    const char* error;  // what the message starts with
  };
  for (const Case& c : {
           Case{"listen = \"a\"\n[serve]\ndata = \"d\"\n", "f.toml:2:"},  // a table
           Case{"listen = \"a\"\nwhen = 1979-05-27\n", "f.toml:2:"},      // a date
           Case{"a = [[1], [2]]\n", "f.toml:1:"},                         // nested lists
           Case{"a = 1\na = 2\n", "f.toml:2:"},                           // a key twice
           Case{"a = \"unterminated\n", "f.toml:1:"},
           Case{"x = {y = 1}\n", "f.toml:1:"},  // an inline table
       }) {
    auto got = TomlToArgs(c.text, "f.toml");
    ASSERT_FALSE(got.ok()) << c.text;
    EXPECT_EQ(got.status().code(), Code::kBadRequest) << c.text;
    EXPECT_EQ(got.status().message().rfind(c.error, 0), 0u)
        << c.text << ": " << got.status().message();
  }
}

TEST(TomlArgsTest, AMissingFileIsNotFound) {
  auto got = ReadConfigFile("/nonexistent/walfs.toml");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Code::kNotFound);
}

TEST(TomlArgsTest, LiteralsForTheExampleFile) {
  EXPECT_EQ(TomlLiteral("1000"), "1000");
  EXPECT_EQ(TomlLiteral(""), "\"\"");
  EXPECT_EQ(TomlLiteral("./walfs-data"), "\"./walfs-data\"");
  EXPECT_EQ(TomlLiteral("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

}  // namespace
}  // namespace walfs
