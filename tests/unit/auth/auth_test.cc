// Principals: the auth file parser (what it accepts, every mistake it
// refuses, secrets never echoed), token lookup, and the authorisation
// function over every role, access kind and inside/outside prefix.
#include <gtest/gtest.h>

#include <fstream>

#include "auth/auth_file.h"
#include "auth/authorize.h"
#include "auth/bearer.h"
#include "auth/crypto.h"
#include "core/hash.h"
#include "support/process.h"

namespace walfs {
namespace {

const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::string TokenHash(const std::string& token) { return ToHex(Sha256(token)); }

std::string ExampleFile() {
  return R"({"principals": [
    {"name": "ingest", "role": "write", "prefixes": ["/logs", "/tmp/"],
     "token_sha256": ")" +
         TokenHash("ingest-token") + R"(",
     "s3_access_key": "AKIDINGEST", "s3_secret_key": ")" +
         kSecret + R"("},
    {"name": "reader", "role": "read", "prefixes": ["/logs/public"],
     "token_sha256": ")" +
         TokenHash("reader-token") + R"("},
    {"name": "ops", "role": "admin", "prefixes": ["/"],
     "token_sha256": ")" +
         TokenHash("ops-token") + R"("}
  ]})";
}

TEST(AuthFileTest, TheContractsExampleParses) {
  auto cfg = ParseAuthFile(ExampleFile());
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  ASSERT_EQ(cfg->principals().size(), 3u);
  const Principal& ingest = cfg->principals()[0];
  EXPECT_EQ(ingest.name, "ingest");
  EXPECT_EQ(ingest.role, Role::kWrite);
  EXPECT_EQ(ingest.prefixes, (std::vector<std::string>{"/logs", "/tmp"}));  // canonical
  EXPECT_EQ(ingest.token_sha256, Sha256("ingest-token"));
  EXPECT_EQ(cfg->ByAccessKey("AKIDINGEST"), &ingest);
  EXPECT_EQ(cfg->ByAccessKey("AKIDOTHER"), nullptr);
  EXPECT_EQ(cfg->ByToken("ingest-token"), &ingest);
  EXPECT_EQ(cfg->ByToken("ops-token"), &cfg->principals()[2]);
  EXPECT_EQ(cfg->ByToken("ops-tokeN"), nullptr);
  EXPECT_EQ(cfg->ByToken(""), nullptr);
}

TEST(AuthFileTest, EveryMistakeIsRefusedWithASentenceAndNoSecret) {
  std::string h = TokenHash("t");
  auto one = [&](const std::string& fields) { return R"({"principals": [{)" + fields + "}]}"; };
  std::string ok =
      R"("name": "a", "role": "read", "prefixes": ["/"], "token_sha256": ")" + h + "\"";
  struct Case {
    std::string text, says;
  };
  std::vector<Case> cases = {
      {"", "not valid JSON"},
      {"[]", "expected {\"principals\""},
      {R"({"principals": [], "extra": 1})", "unknown field \"extra\""},
      {one(ok + R"(, "prefix": ["/"])"), "unknown field \"prefix\""},
      {one(R"("role": "read", "prefixes": ["/"], "token_sha256": ")" + h + "\""), "no \"name\""},
      {one(R"("name": "a b", "role": "read", "prefixes": ["/"], "token_sha256": ")" + h + "\""),
       "a name is"},
      {one(R"("name": "a", "role": "root", "prefixes": ["/"], "token_sha256": ")" + h + "\""),
       "role \"root\" is not read, write or admin"},
      {one(R"("name": "a", "role": "read", "prefixes": [], "token_sha256": ")" + h + "\""),
       "non-empty list"},
      {one(R"("name": "a", "role": "read", "prefixes": ["logs"], "token_sha256": ")" + h + "\""),
       "must start with /"},
      {one(R"("name": "a", "role": "read", "prefixes": ["/a/../b"], "token_sha256": ")" + h + "\""),
       "prefix \"/a/../b\""},
      {one(R"("name": "a", "role": "read", "prefixes": ["/"], "token_sha256": "abc")"),
       "64 hex digits"},
      {one(R"("name": "a", "role": "read", "prefixes": ["/"], "token_sha256": ")" +
           std::string(64, 'g') + "\""),
       "64 hex digits"},
      {one(R"("name": "a", "role": "read", "prefixes": ["/"])"), "has no credential"},
      {one(R"("name": "a", "role": "read", "prefixes": ["/"], "s3_access_key": "AKID1")"),
       "come together"},
      {one(R"("name": "a", "role": "read", "prefixes": ["/"], "s3_access_key": "AK-1", )"
           R"("s3_secret_key": ")" +
           std::string(kSecret) + "\""),
       "3 to 128 letters and digits"},
      {one(R"("name": "a", "role": "read", "prefixes": ["/"], "s3_access_key": "AKID1", )"
           R"("s3_secret_key": "short secret")"),
       "16 to 128 printable"},
      {R"({"principals": [{)" + ok + "}, {" + ok + "}]}", "two principals are named \"a\""},
      {R"({"principals": [{)" + ok + R"(}, {"name": "b", "role": "read", "prefixes": ["/"], )" +
           R"("token_sha256": ")" + h + "\"}]}",
       "same token_sha256"},
  };
  for (const auto& c : cases) {
    auto cfg = ParseAuthFile(c.text);
    ASSERT_FALSE(cfg.ok()) << c.text;
    EXPECT_EQ(cfg.status().code(), Code::kBadRequest);
    EXPECT_NE(cfg.status().message().find(c.says), std::string::npos)
        << "said: " << cfg.status().message() << "\nfor: " << c.text;
    EXPECT_EQ(cfg.status().message().find(kSecret), std::string::npos);
  }
  // The same access key twice.
  std::string pair =
      std::string(R"("s3_access_key": "AKID1", "s3_secret_key": ")") + kSecret + "\"";
  auto dup =
      ParseAuthFile(R"({"principals": [{"name": "a", "role": "read", "prefixes": ["/"], )" + pair +
                    R"(}, {"name": "b", "role": "read", "prefixes": ["/"], )" + pair + "}]}");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("same s3_access_key"), std::string::npos);
  EXPECT_EQ(dup.status().message().find(kSecret), std::string::npos);
}

TEST(AuthFileTest, LimitsAndFiles) {
  std::string many = R"({"principals": [{"name": "a", "role": "read", "token_sha256": ")" +
                     TokenHash("t") + R"(", "prefixes": [)";
  for (size_t i = 0; i <= kPrefixesMax; ++i)
    many += (i ? ",\"/p" : "\"/p") + std::to_string(i) + "\"";
  many += "]}]}";
  auto cfg = ParseAuthFile(many);
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("more than 1000 prefixes"), std::string::npos);

  testing::TempDir dir;
  EXPECT_EQ(LoadAuthFile(dir.path() + "/missing.json").status().code(), Code::kNotFound);
  std::ofstream(dir.path() + "/auth.json") << ExampleFile();
  auto loaded = LoadAuthFile(dir.path() + "/auth.json");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->principals().size(), 3u);
  std::ofstream(dir.path() + "/bad.json") << "{";
  auto bad = LoadAuthFile(dir.path() + "/bad.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(dir.path() + "/bad.json"), std::string::npos);
}

TEST(AuthorizeTest, APrefixCoversItselfAndWhatIsBeneathIt) {
  Principal p{"p", Role::kRead, {"/logs"}, "", "", ""};
  EXPECT_TRUE(Covers(p, "/logs"));
  EXPECT_TRUE(Covers(p, "/logs/a/b"));
  EXPECT_FALSE(Covers(p, "/logsx"));
  EXPECT_FALSE(Covers(p, "/"));
  EXPECT_FALSE(Covers(p, "/other"));
  Principal all{"all", Role::kRead, {"/"}, "", "", ""};
  EXPECT_TRUE(Covers(all, "/"));
  EXPECT_TRUE(Covers(all, "/anything/at/all"));
}

// Every role x access kind x paths inside, outside, and half inside (a
// rename or a transaction with one path outside).
TEST(AuthorizeTest, EveryRoleAccessAndPrefix) {
  struct Paths {
    const char* what;
    std::vector<std::string> paths;
    bool inside;
  };
  std::vector<Paths> paths = {{"inside", {"/team/a"}, true},
                              {"the prefix itself", {"/team"}, true},
                              {"outside", {"/other/a"}, false},
                              {"half inside", {"/team/a", "/other/b"}, false},
                              {"no path", {}, true}};
  for (Role role : {Role::kRead, Role::kWrite, Role::kAdmin}) {
    Principal p{"p", role, {"/team"}, "", "", ""};
    for (Access access : {Access::kPublic, Access::kRead, Access::kWrite, Access::kAdmin}) {
      for (const auto& ps : paths) {
        bool role_ok = access == Access::kPublic || access == Access::kRead ||
                       (access == Access::kWrite && role != Role::kRead) ||
                       (access == Access::kAdmin && role == Role::kAdmin);
        bool want = access == Access::kPublic || (role_ok && ps.inside);
        Status st = Authorize(p, AccessRequest{access, ps.paths});
        EXPECT_EQ(st.ok(), want) << RoleName(role) << " access " << int(access) << " " << ps.what
                                 << ": " << st.ToString();
        if (!st.ok()) {
          EXPECT_EQ(st.code(), Code::kForbidden);
          EXPECT_NE(st.message().find("principal \"p\""), std::string::npos);
        }
      }
    }
  }
}

TEST(BearerTest, TheTokenOfAnAuthorizationHeader) {
  EXPECT_EQ(BearerToken("Bearer walfs_abc123"), "walfs_abc123");
  EXPECT_EQ(BearerToken("bearer   a-b.c_d~e+f/g=="), "a-b.c_d~e+f/g==");
  EXPECT_EQ(BearerToken("BEARER x"), "x");
  for (const char* bad : {"", "Bearer", "Bearer ", "Bearerx y", "Basic dXNlcjpwYXNz", "Bearer a b",
                          "Bearer a=b", "Bearer ===", "Bearer tok\n", "Bearer t\xc3\xa9"}) {
    EXPECT_FALSE(BearerToken(bad).has_value()) << bad;
  }
  EXPECT_FALSE(BearerToken("Bearer " + std::string(kBearerTokenBytesMax + 1, 'a')).has_value());
  EXPECT_TRUE(BearerToken("Bearer " + std::string(kBearerTokenBytesMax, 'a')).has_value());
}

TEST(CryptoTest, KnownDigestsAndComparisons) {
  // FIPS 180-2 and RFC 4231 test case 2.
  EXPECT_EQ(ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The context is reused: a call keyed with nothing is not keyed with the
  // previous call's key; and a long key (over one block) is hashed first.
  EXPECT_EQ(ToHex(HmacSha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(ToHex(HmacSha256(std::string(131, '\xaa'),
                             "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(ToHex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 1321's test suite.
  EXPECT_EQ(ToHex(Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(ToHex(Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(FromHex("00ff7A"), std::string("\x00\xff\x7a", 3));
  EXPECT_FALSE(FromHex("0g"));
  EXPECT_FALSE(FromHex("abc"));
  EXPECT_TRUE(ConstantTimeEqual("same", "same"));
  EXPECT_FALSE(ConstantTimeEqual("same", "samE"));
  EXPECT_FALSE(ConstantTimeEqual("same", "sam"));
  EXPECT_EQ(RandomBytes(32).size(), 32u);
  EXPECT_NE(RandomBytes(16), RandomBytes(16));
}

}  // namespace
}  // namespace walfs
