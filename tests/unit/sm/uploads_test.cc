// Uploads applied: staged chunks made visible by one commit, as extents.
#include "sm/uploads.h"

#include <gtest/gtest.h>

#include "schema/schema.h"
#include "support/reseal.h"
#include "support/sim_model.h"
#include "support/sm_fixture.h"

namespace walfs {
namespace {

const std::string kId = "0123456789abcdef0123456789abcdef";
const std::string kOther = "fedcba9876543210fedcba9876543210";
const std::string kMd5(16, 'm');

class UploadsTest : public ::testing::Test, public testing::SmFixture {
 protected:
  Outcome Create(const std::string& path, OpType target = OpType::kPut, uint64_t offset = 0,
                 const std::string& id = kId, uint64_t expiry_ms = 1000) {
    return One(Op::UploadCreate(path, id, target, offset, expiry_ms));
  }
  // Stages data as one chunk of part; returns the chunk (the entry's position).
  Position Stage(uint32_t part, std::string data, const std::string& id = kId) {
    auto o = One(Op::UploadStage(id, part, std::move(data)));
    EXPECT_TRUE(o.ok()) << o.message;
    return o.position;
  }
  Outcome Seal(uint32_t part, std::vector<Position> chunks, uint64_t size,
               const std::string& id = kId) {
    return One(Op::UploadPart(id, part, size, kMd5, std::move(chunks)));
  }
  // Stages each string as one chunk of part and seals the part.
  void SendPart(uint32_t part, const std::vector<std::string>& chunks,
                const std::string& id = kId) {
    std::vector<Position> staged;
    uint64_t size = 0;
    for (const auto& c : chunks) {
      staged.push_back(Stage(part, c, id));
      size += c.size();
    }
    auto o = Seal(part, staged, size, id);
    ASSERT_TRUE(o.ok()) << o.message;
  }
  Outcome Commit(std::vector<uint32_t> parts = {}, const std::string& id = kId) {
    return One(Op::UploadCommit(id, std::move(parts)));
  }
  size_t Count(char prefix) {
    size_t n = 0;
    for (const auto& [k, v] : store().data()) n += k[0] == prefix ? 1 : 0;
    return n;
  }
  uint64_t Meta(std::string_view name) {
    auto it = store().data().find(keys::Meta(name));
    return it == store().data().end() ? 0 : *DecodeU64(it->second);
  }
  void ExpectConsistent() { EXPECT_EQ(testing::CheckUploadRecords(store()), ""); }
};

TEST_F(UploadsTest, CommitMakesAllStagedBytesVisibleAtOnce) {
  ASSERT_TRUE(Put("/f", "old content").ok());
  ASSERT_TRUE(Create("/f").ok());
  Position c1 = Stage(1, "hello, ");
  EXPECT_EQ(Cat("/f"), "old content");  // staged bytes are not visible
  Position c2 = Stage(1, "world");
  ASSERT_TRUE(Seal(1, {c1, c2}, 12).ok());
  EXPECT_EQ(Meta(keys::kStagedBytes), 12u);
  EXPECT_EQ(Meta(keys::kUploads), 1u);
  EXPECT_EQ(Cat("/f"), "old content");
  auto o = Commit();
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_FALSE(o.results[0].created);
  EXPECT_EQ(o.results[0].size, 12u);
  EXPECT_EQ(o.results[0].version, o.position);
  EXPECT_EQ(Cat("/f"), "hello, world");
  EXPECT_EQ(Stat("/f")->inode.version, o.position);
  // The upload is gone; its chunks now belong to the file.
  EXPECT_EQ(Count('U') + Count('P') + Count('S') + Count('E'), 0u);
  EXPECT_EQ(Count('X'), 2u);
  EXPECT_EQ(Meta(keys::kStagedBytes), 0u);
  EXPECT_EQ(Meta(keys::kUploads), 0u);
  EXPECT_EQ(Meta(keys::kBytes), 12u);
  EXPECT_EQ(Commit().code, OutcomeCode::kNotFound);
  ExpectConsistent();
}

TEST_F(UploadsTest, AppendLandsAtAnUnalignedOffsetWithOneExtentPerChunk) {
  ASSERT_TRUE(Put("/log", "abc").ok());  // 3 bytes: not a multiple of the block size
  ASSERT_TRUE(Create("/log", OpType::kAppend).ok());
  std::string big(200000, 'x');  // four pieces of a chunk
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  SendPart(1, {big, "tail"});
  ASSERT_TRUE(Append("/log", "!").ok());  // a concurrent append lands before the commit
  // The commit writes a handful of records, whatever the bytes: no block of
  // the 200 KB is rewritten.
  Overlay batch(&store());
  LogRecord rec{Position{state().applied.ms + 1, 0}, state().applied,
                EncodeEntry(Entry{"", {}, {Op::UploadCommit(kId, {})}})};
  auto r = ApplyBatch(state(), &batch, 8, std::span<const LogRecord>(&rec, 1));
  ASSERT_TRUE(r.stop.ok());
  ASSERT_TRUE(r.outcomes[0].second.ok()) << r.outcomes[0].second.message;
  EXPECT_EQ(*r.outcomes[0].second.results[0].offset, 4u);
  EXPECT_LT(batch.size(), 25u);
  store().Apply(batch);
  EXPECT_EQ(Cat("/log"), "abc!" + big + "tail");
  // Reads of any range, across pieces and extents.
  auto n = Stat("/log");
  std::string part;
  ASSERT_TRUE(View().Read(*n, 65536 + 2, 70000, &part).ok());
  EXPECT_EQ(part, big.substr(65536 - 2, 70000));
  part.clear();
  ASSERT_TRUE(View().Read(*n, 4 + big.size() - 3, 5, &part).ok());
  EXPECT_EQ(part, big.substr(big.size() - 3) + "ta");
}

TEST_F(UploadsTest, SmallWritesAndTruncatesCutExtents) {
  ASSERT_TRUE(Create("/f").ok());
  SendPart(1, {"0123456789", "abcdefghij"});
  ASSERT_TRUE(Commit().ok());
  ASSERT_TRUE(Write("/f", 3, "XY").ok());  // inside the first extent: cut in two
  EXPECT_EQ(Cat("/f"), "012XY56789abcdefghij");
  ExpectConsistent();
  ASSERT_TRUE(Write("/f", 8, "__________").ok());  // across both extents
  EXPECT_EQ(Cat("/f"), "012XY567__________ij");
  ExpectConsistent();
  ASSERT_TRUE(Truncate("/f", 19).ok());
  ASSERT_TRUE(Truncate("/f", 25).ok());  // the cut bytes never come back
  EXPECT_EQ(Cat("/f"), "012XY567__________i" + std::string(6, '\0'));
  ASSERT_TRUE(Append("/f", "end").ok());
  EXPECT_EQ(Cat("/f"), "012XY567__________i" + std::string(6, '\0') + "end");
  ExpectConsistent();
  ASSERT_TRUE(Truncate("/f", 2).ok());
  EXPECT_EQ(Cat("/f"), "01");
  ASSERT_TRUE(Rm("/f").ok());
  // Nothing of the file is left: no extent, chunk or piece.
  EXPECT_EQ(Count('X') + Count('Q') + Count('C') + Count('B'), 0u);
  ExpectConsistent();
}

TEST_F(UploadsTest, PutOverAFileOfExtentsFreesItsChunks) {
  ASSERT_TRUE(Create("/f").ok());
  SendPart(1, {"first version"});
  ASSERT_TRUE(Commit().ok());
  EXPECT_EQ(Count('Q'), 1u);
  ASSERT_TRUE(Put("/f", "small").ok());
  EXPECT_EQ(Cat("/f"), "small");
  EXPECT_EQ(Count('Q') + Count('C') + Count('X'), 0u);
  // A rename carries the extents with the inode.
  ASSERT_TRUE(Create("/g").ok());
  SendPart(1, {"moved bytes"});
  ASSERT_TRUE(Commit().ok());
  ASSERT_TRUE(Mv("/g", "/f", true).ok());
  EXPECT_EQ(Cat("/f"), "moved bytes");
  ExpectConsistent();
}

TEST_F(UploadsTest, WriteTargetAtAnOffsetLeavesAGapOfZeros) {
  ASSERT_TRUE(Put("/f", "abc").ok());
  ASSERT_TRUE(Create("/f", OpType::kWrite, 10).ok());
  SendPart(1, {"XYZ"});
  auto o = Commit();
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(*o.results[0].offset, 10u);
  EXPECT_EQ(Cat("/f"), "abc" + std::string(7, '\0') + "XYZ");
  ASSERT_TRUE(Create("/f", OpType::kWrite, 1).ok());
  SendPart(1, {"----------------"});  // over the old bytes, the gap and the extent
  ASSERT_TRUE(Commit().ok());
  EXPECT_EQ(Cat("/f"), "a----------------");
  ExpectConsistent();
}

TEST_F(UploadsTest, PartsAreChosenInOrderAndResentPartsReplace) {
  ASSERT_TRUE(Create("/f").ok());
  SendPart(2, {"two"});
  SendPart(1, {"one"});
  SendPart(3, {"three"});
  SendPart(2, {"TWO", "!"});  // sent again: replaces the first part 2, whose chunk is freed
  EXPECT_EQ(Meta(keys::kStagedBytes), 3u + 4u + 5u);
  EXPECT_EQ(Commit({4}).code, OutcomeCode::kBadRequest);     // never uploaded
  EXPECT_EQ(Commit({1, 1}).code, OutcomeCode::kBadRequest);  // listed twice
  EXPECT_EQ(Commit({0}).code, OutcomeCode::kBadRequest);     // out of range
  ASSERT_TRUE(Commit({3, 2}).ok());                          // part 1 is left out, and freed
  EXPECT_EQ(Cat("/f"), "threeTWO!");
  EXPECT_EQ(Meta(keys::kStagedBytes), 0u);
  ExpectConsistent();
}

TEST_F(UploadsTest, BadStagesAndPartsAreOutcomes) {
  EXPECT_EQ(One(Op::UploadStage(kId, 1, "x")).code, OutcomeCode::kNotFound);
  EXPECT_EQ(Create("/f", OpType::kPut, 0, "NOT-HEX").code, OutcomeCode::kBadRequest);
  EXPECT_EQ(Create("/f", OpType::kPut, 0, kId, 0).code, OutcomeCode::kBadRequest);
  EXPECT_EQ(Create("/a/../b").code, OutcomeCode::kInvalidPath);
  ASSERT_TRUE(Mkdir("/dir").ok());
  EXPECT_EQ(Create("/dir").code, OutcomeCode::kIsADirectory);
  ASSERT_TRUE(Create("/f").ok());
  EXPECT_EQ(Create("/f").code, OutcomeCode::kAlreadyExists);
  EXPECT_EQ(One(Op::UploadStage(kId, 0, "x")).code, OutcomeCode::kBadRequest);
  EXPECT_EQ(One(Op::UploadStage(kId, 10001, "x")).code, OutcomeCode::kBadRequest);
  EXPECT_EQ(One(Op::UploadStage(kId, 1, "")).code, OutcomeCode::kBadRequest);
  Position a = Stage(1, "abc");
  Position b = Stage(2, "def");
  EXPECT_EQ(Seal(1, {a}, 4).code, OutcomeCode::kBadRequest);     // wrong size
  EXPECT_EQ(Seal(1, {a, b}, 6).code, OutcomeCode::kBadRequest);  // b is part 2's
  EXPECT_EQ(Seal(1, {a, a}, 6).code, OutcomeCode::kBadRequest);  // listed twice
  EXPECT_EQ(Seal(1, {Position{1, 0}}, 0).code, OutcomeCode::kBadRequest);
  EXPECT_EQ(One(Op::UploadPart(kId, 1, 3, "short", {a})).code, OutcomeCode::kBadRequest);
  ASSERT_TRUE(Seal(1, {a}, 3).ok());
  EXPECT_EQ(Seal(1, {a}, 3).code, OutcomeCode::kBadRequest);  // already sealed
  // Two stage ops in one entry would name the same chunk.
  Entry two{"", {}, {Op::UploadStage(kId, 1, "x"), Op::UploadStage(kId, 1, "y")}};
  EXPECT_EQ(Apply(two).code, OutcomeCode::kBadRequest);
  ExpectConsistent();
}

TEST_F(UploadsTest, ACommitThatFailsLeavesTheUploadOpen) {
  ASSERT_TRUE(Create("/f").ok());
  SendPart(1, {"data"});
  ASSERT_TRUE(Put("/f", "exists").ok());
  Entry guarded{"", {Condition::Exists("/f", false)}, {Op::UploadCommit(kId, {})}};
  EXPECT_EQ(Apply(guarded).code, OutcomeCode::kPreconditionFailed);
  ASSERT_TRUE(Rm("/f").ok());
  ASSERT_TRUE(Mkdir("/f").ok());  // the target became a directory
  EXPECT_EQ(Commit().code, OutcomeCode::kIsADirectory);
  EXPECT_EQ(Ls("/f"), std::vector<std::string>{});
  ASSERT_TRUE(Rm("/f").ok());
  ASSERT_TRUE(Apply(guarded).ok());
  EXPECT_EQ(Cat("/f"), "data");
  ExpectConsistent();
}

TEST_F(UploadsTest, AbortAndExpiryFreeEverythingStaged) {
  ASSERT_TRUE(Create("/a").ok());
  SendPart(1, {std::string(100000, 'a')});
  Stage(2, "unsealed");
  auto o = One(Op::UploadAbort(kId));
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(One(Op::UploadAbort(kId)).code, OutcomeCode::kNotFound);
  EXPECT_EQ(Count('Q') + Count('C') + Count('S') + Count('P') + Count('U') + Count('E'), 0u);
  EXPECT_EQ(Meta(keys::kStagedBytes), 0u);

  // Expiry: log time, not activity on this replica.
  ASSERT_TRUE(Create("/b", OpType::kPut, 0, kId, 10).ok());
  ASSERT_TRUE(Create("/c", OpType::kPut, 0, kOther, 50).ok());
  Stage(1, "staged");
  set_ms_step(4);
  Stage(1, "more");  // activity moves the expiry: 10 ms from now
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(Mkdir("/unrelated").ok());
  EXPECT_EQ(Meta(keys::kUploads), 2u);
  ASSERT_TRUE(Mkdir("/unrelated").ok());  // 12 ms after the last stage: expired
  EXPECT_EQ(Meta(keys::kUploads), 1u);
  EXPECT_EQ(One(Op::UploadStage(kId, 1, "late")).code, OutcomeCode::kNotFound);
  EXPECT_EQ(Meta(keys::kStagedBytes), 0u);
  set_ms_step(100);
  ASSERT_TRUE(Mkdir("/unrelated").ok());
  EXPECT_EQ(Meta(keys::kUploads), 0u);
  EXPECT_EQ(Count('U') + Count('E') + Count('Q'), 0u);
  EXPECT_EQ(store().data().count(keys::Meta(keys::kUploadExpiryFloor)), 0u);
  // An expired id may be created again.
  ASSERT_TRUE(Create("/b").ok());
  ExpectConsistent();
}

TEST_F(UploadsTest, AStreamedWriteRetriedWithItsKeyIsAppliedOnce) {
  // The same body sent twice through two uploads, with one key: the commit
  // counts by target and content hash, so the second is the first's retry.
  auto streamed = [&](const std::string& id, const std::string& hash) {
    EXPECT_TRUE(Create("/log", OpType::kAppend, 0, id).ok());
    SendPart(1, {"record\n"}, id);
    Op commit = Op::UploadCommit(id, {});
    commit.path = "/log";
    commit.target = OpType::kAppend;
    commit.content_hash = hash;
    return Apply(Entry{"key-1", {}, {commit}});
  };
  auto first = streamed(kId, std::string(16, 'h'));
  ASSERT_TRUE(first.ok()) << first.message;
  auto again = streamed(kOther, std::string(16, 'h'));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.position, first.position);
  EXPECT_EQ(Cat("/log"), "record\n");
  auto other = streamed("00000000000000000000000000000001", std::string(16, 'g'));
  EXPECT_EQ(other.code, OutcomeCode::kIdempotencyKeyReused);
  // A commit naming another target than its upload's is refused.
  ASSERT_TRUE(Create("/x").ok());
  Op wrong = Op::UploadCommit(kId, {});
  wrong.path = "/y";
  EXPECT_EQ(One(wrong).code, OutcomeCode::kBadRequest);
}

TEST_F(UploadsTest, UploadOpsNeedFormatThree) {
  Entry e{"", {}, {Op::UploadAbort(kId)}};
  std::string v3 = EncodeEntry(e, 3);
  EXPECT_EQ(v3[1], 3);
  EXPECT_EQ(One(Op::UploadAbort(kId)).code, OutcomeCode::kNotFound);
  // The same op in a format-2 entry is not an op that format knows.
  std::string v2 = v3.substr(0, v3.size() - 8);
  v2[1] = 2;
  EXPECT_EQ(ApplyPayload(testing::Reseal(v2)).code, OutcomeCode::kRejected);
}

}  // namespace
}  // namespace walfs

namespace walfs {
namespace {

TEST_F(UploadsTest, ACommitChecksThePartMd5sAndStoresItsEtagAndHeaders) {
  Op create = Op::UploadCreate("/obj", kId, OpType::kPut, 0, 1000);
  create.meta.headers = {{"content-type", "text/csv"}};
  ASSERT_TRUE(One(create).ok());
  SendPart(1, {"ab", "cd"});
  SendPart(2, {"ef"});
  Op wrong = Op::UploadCommit(kId, {});
  wrong.part_md5s = {kMd5, std::string(16, 'x')};
  EXPECT_EQ(One(wrong).code, OutcomeCode::kBadRequest);
  wrong.part_md5s = {kMd5};
  EXPECT_EQ(One(wrong).code, OutcomeCode::kBadRequest);
  EXPECT_EQ(Cat("/obj"), "<missing>");
  Op commit = Op::UploadCommit(kId, {});
  commit.part_md5s = {kMd5, kMd5};
  commit.meta.etag = "0123456789abcdef0123456789abcdef-2";
  auto o = One(commit);
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(MetaOf("/obj"), (FileMeta{{{"content-type", "text/csv"}}, commit.meta.etag}));
  ExpectConsistent();
}

// A checksum that came after a streamed body (S3's trailer) is added by the
// commit, from entry format 5 on, to a put's headers only, and only
// checksums; a format-4 commit with headers is refused as before.
TEST_F(UploadsTest, FromFormatFiveACommitAddsChecksumsToAPut) {
  Op create = Op::UploadCreate("/obj", kId, OpType::kPut, 0, 1000);
  create.meta.headers = {{"content-type", "text/csv"}, {"x-amz-checksum-crc32", "AAAAAA=="}};
  ASSERT_TRUE(One(create).ok());
  SendPart(1, {"ab"});
  Op commit = Op::UploadCommit(kId, {});
  commit.meta.headers = {{"x-amz-checksum-crc32", "NSRBwg=="}, {"x-amz-checksum-sha1", "c2hh"}};
  EXPECT_EQ(ApplyPayload(EncodeEntry(Entry{"", {}, {commit}}, 4)).code, OutcomeCode::kBadRequest);
  Op other = commit;
  other.meta.headers.emplace_back("x-amz-meta-a", "1");
  EXPECT_EQ(One(other).code, OutcomeCode::kBadRequest);
  EXPECT_EQ(Cat("/obj"), "<missing>");
  auto o = One(commit);
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(MetaOf("/obj"), (FileMeta{{{"content-type", "text/csv"},
                                       {"x-amz-checksum-crc32", "NSRBwg=="},
                                       {"x-amz-checksum-sha1", "c2hh"}},
                                      ""}));
  // An append's commit adds none.
  Op append = Op::UploadCreate("/log", kOther, OpType::kAppend, 0, 1000);
  ASSERT_TRUE(One(append).ok());
  SendPart(1, {"x"}, kOther);
  Op to_log = Op::UploadCommit(kOther, {});
  to_log.meta.headers = {{"x-amz-checksum-crc32", "NSRBwg=="}};
  EXPECT_EQ(One(to_log).code, OutcomeCode::kBadRequest);
  ExpectConsistent();
}

TEST_F(UploadsTest, ACopySharesTheChunksOfItsSource) {
  ASSERT_TRUE(Create("/src").ok());
  SendPart(1, {"0123456789", "abcdefghij"});
  ASSERT_TRUE(Commit().ok());
  ASSERT_TRUE(Append("/src", "tail").ok());  // bytes in blocks after the extents
  size_t chunks = Count('Q');
  auto o = One(Op::Copy("/src", "/copy", false, {}));
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(Count('Q'), chunks);  // shared, not copied
  ExpectConsistent();
  ASSERT_TRUE(Rm("/src").ok());
  EXPECT_EQ(Cat("/copy"), "0123456789abcdefghijtail");
  EXPECT_EQ(Count('Q'), chunks);
  ExpectConsistent();
  ASSERT_TRUE(Rm("/copy").ok());
  EXPECT_EQ(Count('Q'), 0u);
  ExpectConsistent();
}

}  // namespace
}  // namespace walfs
