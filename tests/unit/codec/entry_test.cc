#include "codec/entry.h"

#include <gtest/gtest.h>

#include <random>

#include "core/bytes.h"
#include "support/reseal.h"

namespace walfs {
namespace {

Entry SampleEntry() {
  Entry e;
  e.idempotency_key = "retry-1";
  e.conditions = {Condition::Version("/a", {5, 2}), Condition::Exists("/b", false),
                  Condition::Size("/c", 10)};
  e.ops = {Op::Put("/a", std::string("hello\0world", 11)),
           Op::Append("/c", "tail"),
           Op::Write("/d", 1ull << 33, "xy"),
           Op::Truncate("/d", 3),
           Op::Rename("/e", "/f", true),
           Op::Delete("/g", true),
           Op::Mkdir("/h")};
  return e;
}

// Every upload op, with each field set.
Entry UploadEntry() {
  Entry e;
  e.idempotency_key = "upload-1";
  const std::string id = "0123456789abcdef0123456789abcdef";
  Op commit = Op::UploadCommit(id, {3, 1, 2});
  commit.path = "/big";
  commit.target = OpType::kWrite;
  commit.offset = 1ull << 35;
  commit.content_hash = std::string(16, 'h');
  e.ops = {Op::UploadCreate("/big", id, OpType::kAppend, 7, 86400000),
           Op::UploadStage(id, 2, std::string("chunk\0bytes", 11)),
           Op::UploadPart(id, 10000, 11, std::string(16, 'm'), {{1, 2}, {3, 4}}),
           commit,
           Op::UploadCommit(id, {}),
           Op::UploadAbort(id)};
  return e;
}

FileMeta SampleMeta() {
  return FileMeta{{{"content-type", "text/plain"}, {"x-amz-meta-owner", "ops team"}},
                  "9e107d9d372bb6826bd81d3542a419d6"};
}

TEST(EntryTest, FormatFourCarriesMetadataAndCopies) {
  FileMeta headers = SampleMeta();
  headers.etag.clear();
  Op commit = Op::UploadCommit("0123456789abcdef0123456789abcdef", {1, 2});
  commit.meta.etag = "9e107d9d372bb6826bd81d3542a419d6-2";
  commit.part_md5s = {std::string(16, 'a'), std::string(16, 'b')};
  Op append = Op::Append("/log", "x");
  append.meta = headers;
  Op put = Op::Put("/a", "hello");
  put.meta = SampleMeta();
  Op create = Op::UploadCreate("/big", "0123456789abcdef0123456789abcdef", OpType::kPut, 0, 60000);
  create.meta = headers;
  Entry e{"key",
          {},
          {put, append, create, commit, Op::Copy("/a", "/b", true, headers),
           Op::Copy("/a", "/c", false, {})}};
  EXPECT_EQ(MinFormatVersion(e), 4);
  std::string bytes = EncodeEntry(e, 4);
  EXPECT_EQ(bytes[1], 4);
  auto d = DecodeEntry(bytes, 1 << 20);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->entry, e);
  EXPECT_EQ(d->version, 4);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeEntry(bytes.substr(0, n), 1 << 20).ok());
  }
  // Format 3 knows no copy op and no metadata fields.
  std::string v3 = bytes.substr(0, bytes.size() - 8);
  v3[1] = 3;
  EXPECT_EQ(DecodeEntry(testing::Reseal(v3), 1 << 20).status().code(), Code::kCorruption);
  Entry copy{"", {}, {Op::Copy("/a", "/b", false, {})}};
  std::string c3 = EncodeEntry(copy).substr(0, EncodeEntry(copy).size() - 8);
  c3[1] = 3;
  EXPECT_EQ(DecodeEntry(testing::Reseal(c3), 1 << 20).status().code(), Code::kCorruption);
}

TEST(EntryTest, TheFingerprintDoesNotDependOnTheFormat) {
  // A request retried through a proposer of a newer format is the same
  // request; metadata makes it another.
  Entry e{"key", {Condition::Exists("/a", false)}, {Op::Put("/a", "x"), Op::Append("/b", "y")}};
  EXPECT_EQ(MinFormatVersion(e), 1);
  auto v1 = DecodeEntry(EncodeEntry(e, 1), 1 << 20);
  auto v3 = DecodeEntry(EncodeEntry(e, 3), 1 << 20);
  auto v4 = DecodeEntry(EncodeEntry(e, 4), 1 << 20);
  ASSERT_TRUE(v1.ok() && v3.ok() && v4.ok());
  EXPECT_EQ(v4->fingerprint, v1->fingerprint);
  EXPECT_EQ(v4->fingerprint, v3->fingerprint);
  e.ops[0].meta.headers = {{"content-type", "text/plain"}};
  auto typed = DecodeEntry(EncodeEntry(e), 1 << 20);
  ASSERT_TRUE(typed.ok());
  EXPECT_NE(typed->fingerprint, v4->fingerprint);
}

// Format 5 lays out what format 4 does; a commit that adds headers (the
// checksum a body's trailer brought) needs it, so that a replica of format
// 4, which refuses such a commit, stops rather than diverges.
TEST(EntryTest, FormatFiveIsACommitWithChecksums) {
  Op commit = Op::UploadCommit("0123456789abcdef0123456789abcdef", {1});
  commit.meta.etag = "9e107d9d372bb6826bd81d3542a419d6";
  Entry e{"key", {}, {commit}};
  EXPECT_EQ(MinFormatVersion(e), 4);
  auto v4 = DecodeEntry(EncodeEntry(e, 4), 1 << 20);
  auto v5 = DecodeEntry(EncodeEntry(e, 5), 1 << 20);
  ASSERT_TRUE(v4.ok() && v5.ok());
  EXPECT_EQ(v4->fingerprint, v5->fingerprint);
  EXPECT_EQ(v5->version, 5);
  e.ops[0].meta.headers = {{"x-amz-checksum-crc32", "NSRBwg=="}};
  EXPECT_EQ(MinFormatVersion(e), 5);
  auto with = DecodeEntry(EncodeEntry(e), 1 << 20);
  ASSERT_TRUE(with.ok());
  EXPECT_EQ(with->entry, e);
  EXPECT_NE(with->fingerprint, v5->fingerprint);
}

TEST(EntryTest, FormatSixSetsAttributesAndMakesSymlinks) {
  AttrChange all{0755, 1000, 2000, 1900000000000ull, 100};
  AttrChange some;
  some.gid = 0;
  some.mtime_ms = 0;
  Entry e{"k",
          {},
          {Op::SetAttr("/a", all), Op::SetAttr("/b", some), Op::SetAttr("/c", {}),
           Op::Symlink("/l", "../target/x")}};
  EXPECT_EQ(MinFormatVersion(e), 6);
  std::string bytes = EncodeEntry(e);
  auto d = DecodeEntry(bytes, 1 << 20);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->entry, e);
  EXPECT_EQ(d->version, 6);
  EXPECT_EQ(OpName(OpType::kSetAttr), "setattr");
  EXPECT_EQ(OpName(OpType::kSymlink), "symlink");
  // Any cut or flipped bit is refused, never misread.
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeEntry(bytes.substr(0, n), 1 << 20).ok()) << n;
  }
  for (size_t i = 0; i < bytes.size() * 8; ++i) {
    std::string b = bytes;
    b[i / 8] = static_cast<char>(b[i / 8] ^ (1 << (i % 8)));
    EXPECT_FALSE(DecodeEntry(b, 1 << 20).ok()) << i;
  }
  // A mask bit that no field has, and a mode over 32 bits, are corruption.
  std::string unknown = EncodeEntry(Entry{"", {}, {Op::SetAttr("/a", {})}});
  unknown = unknown.substr(0, unknown.size() - 8);
  ASSERT_EQ(unknown.back(), 0);  // the mask, last
  unknown.back() = 32;
  EXPECT_EQ(DecodeEntry(testing::Reseal(unknown), 1 << 20).status().code(), Code::kCorruption);
  std::string wide = unknown;
  wide.back() = 1;
  PutVarint(&wide, 1ull << 32);
  EXPECT_EQ(DecodeEntry(testing::Reseal(wide), 1 << 20).status().code(), Code::kCorruption);
  // An entry without them is fingerprinted alike in formats 5 and 6.
  Entry plain = SampleEntry();
  auto v5 = DecodeEntry(EncodeEntry(plain, 5), 1 << 20);
  auto v6 = DecodeEntry(EncodeEntry(plain, 6), 1 << 20);
  ASSERT_TRUE(v5.ok() && v6.ok());
  EXPECT_EQ(v5->fingerprint, v6->fingerprint);
  // Format 5 knows neither op.
  std::string old = EncodeEntry(e);
  old = old.substr(0, old.size() - 8);
  old[1] = 5;
  EXPECT_EQ(DecodeEntry(testing::Reseal(old), 1 << 20).status().code(), Code::kCorruption);
}

TEST(FileMetaTest, OnlyValidMetadataPasses) {
  EXPECT_TRUE(CheckFileMeta(SampleMeta()).ok());
  EXPECT_TRUE(CheckFileMeta({}).ok());
  auto bad = [](FileMeta m) { return CheckFileMeta(m).code() == Code::kBadRequest; };
  EXPECT_TRUE(bad({{{"x-amz-meta-b", "1"}, {"x-amz-meta-a", "2"}}, ""}));  // unsorted
  EXPECT_TRUE(bad({{{"x-amz-meta-a", "1"}, {"x-amz-meta-a", "2"}}, ""}));  // twice
  EXPECT_TRUE(bad({{{"authorization", "x"}}, ""}));                        // not stored
  EXPECT_TRUE(bad({{{"x-amz-meta-", "x"}}, ""}));                          // no name
  EXPECT_TRUE(bad({{{"x-amz-meta-A", "x"}}, ""}));                         // upper case
  EXPECT_TRUE(bad({{{"content-type", "a\r\nb"}}, ""}));                    // CR LF
  EXPECT_TRUE(bad({{{"x-amz-meta-big", std::string(kMaxFileMetaBytes, 'v')}}, ""}));
  EXPECT_TRUE(bad({{}, "not-an-md5"}));
  EXPECT_TRUE(bad({{}, "9e107d9d372bb6826bd81d3542a419d6-0"}));
  EXPECT_TRUE(bad({{}, "9e107d9d372bb6826bd81d3542a419d6-10001"}));
  EXPECT_TRUE(CheckFileMeta({{}, "9e107d9d372bb6826bd81d3542a419d6-10000"}).ok());
  EXPECT_TRUE(ValidStoredEtag("9e107d9d372bb6826bd81d3542a419d6"));
  EXPECT_FALSE(ValidStoredEtag("9E107D9D372BB6826BD81D3542A419D6"));
  // Encoded and decoded whole; truncated bytes are refused.
  std::string b = EncodeFileMeta(SampleMeta());
  EXPECT_EQ(DecodeFileMeta(b), SampleMeta());
  for (size_t n = 0; n < b.size(); ++n) EXPECT_FALSE(DecodeFileMeta(b.substr(0, n)));
}

TEST(EntryTest, RoundTripsEveryOpAndCondition) {
  Entry e = SampleEntry();
  auto d = DecodeEntry(EncodeEntry(e), 1 << 20);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->entry, e);
  EXPECT_EQ(d->fingerprint.size(), 16u);
}

TEST(EntryTest, RoundTripsEveryUploadOp) {
  Entry e = UploadEntry();
  std::string bytes = EncodeEntry(e, 3);
  EXPECT_EQ(bytes[1], 3);
  auto d = DecodeEntry(bytes, 1 << 20);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->entry, e);
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_FALSE(DecodeEntry(bad, 1 << 20).ok()) << "byte " << i << " bit " << bit;
    }
  }
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(DecodeEntry(bytes.substr(0, n), 1 << 20).ok());
  // Format 2 knows no upload op.
  std::string v2 = bytes.substr(0, bytes.size() - 8);
  v2[1] = 2;
  EXPECT_EQ(DecodeEntry(testing::Reseal(v2), 1 << 20).status().code(), Code::kCorruption);
}

TEST(EntryTest, AStreamedCommitCountsByTargetAndContentNotByItsUpload) {
  auto fingerprint = [](const std::string& id, std::vector<uint32_t> parts, std::string hash,
                        std::string path) {
    Entry e;
    Op c = Op::UploadCommit(id, std::move(parts));
    c.path = std::move(path);
    c.target = OpType::kAppend;
    c.content_hash = std::move(hash);
    e.ops = {c};
    return DecodeEntry(EncodeEntry(e), 1 << 20)->fingerprint;
  };
  const std::string a(32, 'a'), b(32, 'b'), h(16, 'h'), g(16, 'g');
  EXPECT_EQ(fingerprint(a, {1}, h, "/log"), fingerprint(b, {}, h, "/log"));
  EXPECT_NE(fingerprint(a, {1}, h, "/log"), fingerprint(a, {1}, g, "/log"));
  EXPECT_NE(fingerprint(a, {1}, h, "/log"), fingerprint(a, {1}, h, "/other"));
  // Without a content hash (a commit of uploaded parts), the upload counts.
  EXPECT_NE(fingerprint(a, {1}, "", "/log"), fingerprint(b, {1}, "", "/log"));
}

TEST(EntryTest, EncodingIsDeterministic) {
  EXPECT_EQ(EncodeEntry(SampleEntry()), EncodeEntry(SampleEntry()));
}

TEST(EntryTest, FingerprintIgnoresKeyButNotContent) {
  Entry a = SampleEntry(), b = SampleEntry(), c = SampleEntry();
  b.idempotency_key = "other";
  c.ops[0].data = "changed";
  auto fa = DecodeEntry(EncodeEntry(a), 1 << 20)->fingerprint;
  EXPECT_EQ(fa, DecodeEntry(EncodeEntry(b), 1 << 20)->fingerprint);
  EXPECT_NE(fa, DecodeEntry(EncodeEntry(c), 1 << 20)->fingerprint);
}

TEST(EntryTest, EveryFlippedBitIsRejected) {
  std::string bytes = EncodeEntry(SampleEntry());
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      auto d = DecodeEntry(bad, 1 << 20);
      EXPECT_FALSE(d.ok()) << "byte " << i << " bit " << bit;
    }
  }
}

TEST(EntryTest, EveryTruncationIsRejected) {
  std::string bytes = EncodeEntry(SampleEntry());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto d = DecodeEntry(bytes.substr(0, n), 1 << 20);
    ASSERT_FALSE(d.ok()) << n;
    EXPECT_EQ(d.status().code(), Code::kCorruption);
  }
}

using testing::Reseal;

TEST(EntryTest, NewerFormatVersionIsUnsupported) {
  std::string bytes = EncodeEntry(SampleEntry());
  bytes[1] = kEntryFormatVersion + 1;
  auto d = DecodeEntry(Reseal(bytes.substr(0, bytes.size() - 8)), 1 << 20);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kUnsupported);
}

TEST(EntryTest, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string body(rng() % 64, '\0');
    for (auto& c : body) c = static_cast<char>(rng());
    if (!body.empty()) body[0] = 0x57;
    if (body.size() > 1) body[1] = 1;
    auto d = DecodeEntry(Reseal(body), 1 << 20);
    (void)d;
  }
}

TEST(EntryTest, OverlongVarintsAreRejected) {
  // A write at offset 118, with the offset as "f6 00" instead of "76": found
  // by fuzz_entry, it decoded to an entry whose re-encoding differed.
  std::string body("W\x01\x00\x00\x00\x01\x03\x01\x00\xf6\x00\x00", 12);
  auto d = DecodeEntry(Reseal(body), 1 << 20);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kCorruption);
  std::string canonical("W\x01\x00\x00\x00\x01\x03\x01\x00\x76\x00", 11);
  auto ok = DecodeEntry(Reseal(canonical), 1 << 20);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->entry.ops[0].offset, 118u);
  EXPECT_EQ(EncodeEntry(ok->entry, ok->version), Reseal(canonical));
}

TEST(EntryTest, DataOverTheLimitIsRejected) {
  Entry e;
  e.ops = {Op::Put("/a", std::string(100, 'x'))};
  EXPECT_FALSE(DecodeEntry(EncodeEntry(e), 99).ok());
  EXPECT_TRUE(DecodeEntry(EncodeEntry(e), 100).ok());
}

}  // namespace
}  // namespace walfs
