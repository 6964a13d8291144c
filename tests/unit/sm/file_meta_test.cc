// Per-file metadata and copies (entry format 4), applied.
#include <gtest/gtest.h>

#include "schema/schema.h"
#include "support/sim_model.h"
#include "support/sm_fixture.h"

namespace walfs {
namespace {

const std::string kEtag = "9e107d9d372bb6826bd81d3542a419d6";

class FileMetaTest : public ::testing::Test, public testing::SmFixture {
 protected:
  Outcome PutWith(const std::string& path, std::string data, FileMeta m) {
    Op op = Op::Put(path, std::move(data));
    op.meta = std::move(m);
    return One(op);
  }
  size_t Records(char prefix) {
    size_t n = 0;
    for (const auto& [k, v] : store().data()) n += k[0] == prefix ? 1 : 0;
    return n;
  }
  static FileMeta Typed(std::string type, std::string etag = "") {
    return FileMeta{{{"content-type", std::move(type)}, {"x-amz-meta-team", "ops"}},
                    std::move(etag)};
  }
};

TEST_F(FileMetaTest, APutStoresItsMetadataAndAPlainPutClearsIt) {
  ASSERT_TRUE(PutWith("/a", "hello", Typed("text/plain", kEtag)).ok());
  EXPECT_EQ(MetaOf("/a"), Typed("text/plain", kEtag));
  EXPECT_EQ(Records('A'), 1u);
  ASSERT_TRUE(Put("/a", "bye").ok());
  EXPECT_EQ(MetaOf("/a"), FileMeta{});
  EXPECT_EQ(Records('A'), 0u);
}

TEST_F(FileMetaTest, PartialChangesDropTheEtagAndKeepTheHeaders) {
  ASSERT_TRUE(PutWith("/a", "hello", Typed("text/plain", kEtag)).ok());
  ASSERT_TRUE(Append("/a", "!").ok());
  EXPECT_EQ(MetaOf("/a"), Typed("text/plain"));
  ASSERT_TRUE(PutWith("/b", "hello", Typed("text/csv", kEtag)).ok());
  ASSERT_TRUE(Write("/b", 0, "J").ok());
  EXPECT_EQ(MetaOf("/b"), Typed("text/csv"));
  ASSERT_TRUE(PutWith("/c", "hello", Typed("text/csv", kEtag)).ok());
  ASSERT_TRUE(Truncate("/c", 2).ok());
  EXPECT_EQ(MetaOf("/c"), Typed("text/csv"));
  // An append that creates its file gives it its headers; one to an
  // existing file does not change them.
  Op first = Op::Append("/log", "1\n");
  first.meta = Typed("text/plain");
  ASSERT_TRUE(One(first).ok());
  Op second = Op::Append("/log", "2\n");
  second.meta = Typed("application/json");
  ASSERT_TRUE(One(second).ok());
  EXPECT_EQ(MetaOf("/log"), Typed("text/plain"));
  EXPECT_EQ(Cat("/log"), "1\n2\n");
}

TEST_F(FileMetaTest, BadMetadataIsAnOutcomeThatChangesNothing) {
  ASSERT_TRUE(Put("/a", "x").ok());
  auto before = store().data();
  EXPECT_EQ(PutWith("/a", "y", FileMeta{{{"authorization", "x"}}, ""}).code,
            OutcomeCode::kBadRequest);
  EXPECT_EQ(PutWith("/a", "y", FileMeta{{}, "not-md5"}).code, OutcomeCode::kBadRequest);
  Op append = Op::Append("/a", "z");
  append.meta.etag = kEtag;  // only a whole write has an MD5 ETag
  EXPECT_EQ(One(append).code, OutcomeCode::kBadRequest);
  Op copy = Op::Copy("/a", "/b", true, FileMeta{{}, kEtag});
  EXPECT_EQ(One(copy).code, OutcomeCode::kBadRequest);
  auto after = store().data();
  after.erase(keys::Meta(keys::kApplied));
  after.erase(keys::Meta(keys::kDigest));
  after.erase(keys::Meta(keys::kEntries));
  after.erase(keys::Meta(keys::kLogBytes));
  after.erase(keys::Meta(keys::kDigestFormat));
  before.erase(keys::Meta(keys::kApplied));
  before.erase(keys::Meta(keys::kDigest));
  before.erase(keys::Meta(keys::kEntries));
  before.erase(keys::Meta(keys::kLogBytes));
  before.erase(keys::Meta(keys::kDigestFormat));
  EXPECT_EQ(after, before);
}

TEST_F(FileMetaTest, MetadataMovesWithItsFileAndGoesWithIt) {
  ASSERT_TRUE(PutWith("/d/a", "x", Typed("text/plain", kEtag)).ok());
  ASSERT_TRUE(Mv("/d", "/e").ok());
  EXPECT_EQ(MetaOf("/e/a"), Typed("text/plain", kEtag));
  ASSERT_TRUE(PutWith("/f", "y", Typed("text/csv")).ok());
  ASSERT_TRUE(Mv("/f", "/e/a", true).ok());  // the replaced file's record goes
  EXPECT_EQ(MetaOf("/e/a"), Typed("text/csv"));
  EXPECT_EQ(Records('A'), 1u);
  ASSERT_TRUE(Rm("/e", true).ok());
  EXPECT_EQ(Records('A'), 0u);
}

TEST_F(FileMetaTest, ACopyTakesTheContentAndKeepsOrReplacesTheHeaders) {
  ASSERT_TRUE(PutWith("/src", "0123456789abcdefXYZ", Typed("text/plain", kEtag)).ok());
  ASSERT_TRUE(Put("/dst", "old content that is longer").ok());
  auto o = One(Op::Copy("/src", "/dst", false, {}));
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(Cat("/dst"), "0123456789abcdefXYZ");
  EXPECT_EQ(MetaOf("/dst"), Typed("text/plain", kEtag));
  EXPECT_FALSE(o.results[0].created);
  // REPLACE: the request's headers, the source's ETag (the same bytes).
  FileMeta json{{{"content-type", "application/json"}}, ""};
  o = One(Op::Copy("/src", "/new/dst", true, json));
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_TRUE(o.results[0].created);
  EXPECT_EQ(MetaOf("/new/dst"), (FileMeta{json.headers, kEtag}));
  // Onto itself: only the metadata changes.
  ASSERT_TRUE(One(Op::Copy("/src", "/src", true, json)).ok());
  EXPECT_EQ(Cat("/src"), "0123456789abcdefXYZ");
  EXPECT_EQ(MetaOf("/src"), (FileMeta{json.headers, kEtag}));
  // The copies are independent of their source.
  ASSERT_TRUE(Append("/src", "+").ok());
  EXPECT_EQ(Cat("/dst"), "0123456789abcdefXYZ");
  auto usage = LoadUsage(store());
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->files, 3u);
  EXPECT_EQ(usage->bytes, 20u + 19 + 19);
}

TEST_F(FileMetaTest, ACopyRefusesWhatIsNotAFile) {
  ASSERT_TRUE(Mkdir("/dir").ok());
  ASSERT_TRUE(Put("/f", "x").ok());
  EXPECT_EQ(One(Op::Copy("/missing", "/b", false, {})).code, OutcomeCode::kNotFound);
  EXPECT_EQ(One(Op::Copy("/dir", "/b", false, {})).code, OutcomeCode::kIsADirectory);
  EXPECT_EQ(One(Op::Copy("/f", "/dir", false, {})).code, OutcomeCode::kIsADirectory);
  EXPECT_EQ(One(Op::Copy("/f", "/f/x", false, {})).code, OutcomeCode::kNotADirectory);
  EXPECT_EQ(One(Op::Copy("/f", "/../x", false, {})).code, OutcomeCode::kInvalidPath);
}

}  // namespace
}  // namespace walfs
