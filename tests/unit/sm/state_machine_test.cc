#include "sm/state_machine.h"

#include <gtest/gtest.h>

#include "support/reseal.h"
#include "support/sm_fixture.h"

namespace walfs {
namespace {

using Strings = std::vector<std::string>;

class StateMachineTest : public ::testing::Test, public testing::SmFixture {};

TEST_F(StateMachineTest, PutCreatesParentsAndReplaces) {
  auto o = Put("/a/b/c.txt", "hello world, longer than a block");
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_TRUE(o.results[0].created);
  EXPECT_EQ(o.results[0].size, 32u);
  EXPECT_EQ(Cat("/a/b/c.txt"), "hello world, longer than a block");
  EXPECT_EQ(Ls("/a"), Strings{"b/"});
  auto r = Put("/a/b/c.txt", "short");
  EXPECT_FALSE(r.results[0].created);
  EXPECT_EQ(Cat("/a/b/c.txt"), "short");
  EXPECT_EQ(Stat("/a/b/c.txt")->inode.version, r.position);
  EXPECT_EQ(Stat("/a/b/c.txt")->inode.mtime_ms, r.position.ms);
}

TEST_F(StateMachineTest, SetAttrChangesAttributesNotContentOrVersion) {
  auto put = Put("/d/f", "data");
  EXPECT_EQ(Stat("/d/f")->inode.mode, 0644u);  // defaults until a setattr
  EXPECT_FALSE(Stat("/d/f")->inode.uid);
  EXPECT_EQ(Stat("/d")->inode.mode, 0755u);
  auto set = One(Op::SetAttr("/d/f", AttrChange{04750, 1000, 0, 5, 100000}));
  ASSERT_TRUE(set.ok()) << set.message;
  Inode n = Stat("/d/f")->inode;
  EXPECT_EQ(n.mode, 04750u);
  EXPECT_EQ(n.uid, 1000u);
  EXPECT_EQ(n.gid, 0u);
  EXPECT_EQ(n.atime_ms, 5u);
  EXPECT_EQ(n.mtime_ms, 100000u);
  EXPECT_EQ(n.ctime_ms, set.position.ms);
  EXPECT_EQ(n.version, put.position);
  EXPECT_EQ(Cat("/d/f"), "data");
  // A change of content moves mtime and ctime, and keeps the attributes.
  auto app = Append("/d/f", "+");
  n = Stat("/d/f")->inode;
  EXPECT_EQ(n.mode, 04750u);
  EXPECT_EQ(n.mtime_ms, app.position.ms);
  EXPECT_EQ(n.atime_ms, 5u);
  // Out of range: refused, nothing changes.
  EXPECT_EQ(One(Op::SetAttr("/d/f", AttrChange{010000, {}, {}, {}, {}})).code,
            OutcomeCode::kBadRequest);
  EXPECT_EQ(One(Op::SetAttr("/d/f", AttrChange{{}, kNoId, {}, {}, {}})).code,
            OutcomeCode::kBadRequest);
  EXPECT_EQ(One(Op::SetAttr("/none", AttrChange{0600, {}, {}, {}, {}})).code,
            OutcomeCode::kNotFound);
  EXPECT_EQ(Stat("/d/f")->inode.mode, 04750u);
}

TEST_F(StateMachineTest, SymlinksHoldTheirTargetAndAreReplacedOnlyWhole) {
  auto made = One(Op::Symlink("/l/ink", "../some/where"));
  ASSERT_TRUE(made.ok()) << made.message;
  EXPECT_TRUE(Stat("/l/ink")->is_symlink());
  EXPECT_EQ(Stat("/l/ink")->inode.mode, 0777u);
  EXPECT_EQ(Cat("/l/ink"), "../some/where");
  EXPECT_EQ(One(Op::Symlink("/l/ink", "x")).code, OutcomeCode::kAlreadyExists);
  EXPECT_EQ(One(Op::Symlink("/l/bad", "")).code, OutcomeCode::kBadRequest);
  EXPECT_EQ(One(Op::Symlink("/l/bad", std::string(4096, 'x'))).code, OutcomeCode::kBadRequest);
  EXPECT_EQ(One(Op::Symlink("/l/bad", "\xff")).code, OutcomeCode::kBadRequest);
  EXPECT_EQ(Append("/l/ink", "x").code, OutcomeCode::kBadRequest);
  EXPECT_EQ(Truncate("/l/ink", 0).code, OutcomeCode::kBadRequest);
  EXPECT_EQ(Put("/l/ink/under", "x").code, OutcomeCode::kNotADirectory);
  ASSERT_TRUE(One(Op::Rename("/l/ink", "/l/moved", false)).ok());
  EXPECT_EQ(Cat("/l/moved"), "../some/where");
  ASSERT_TRUE(Put("/l/moved", "a file now").ok());
  EXPECT_FALSE(Stat("/l/moved")->is_symlink());
  EXPECT_EQ(Cat("/l/moved"), "a file now");
}

TEST_F(StateMachineTest, AppendReportsWhereBytesLanded) {
  EXPECT_EQ(*Append("/log", "one\n").results[0].offset, 0u);
  EXPECT_EQ(*Append("/log", "two two\n").results[0].offset, 4u);
  EXPECT_EQ(*Append("/log", "3\n").results[0].offset, 12u);
  EXPECT_EQ(Cat("/log"), "one\ntwo two\n3\n");
}

TEST_F(StateMachineTest, WritePastTheEndLeavesZeros) {
  ASSERT_TRUE(Put("/f", "abc").ok());
  auto o = Write("/f", 20, "XY");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o.results[0].size, 22u);
  EXPECT_EQ(Cat("/f"), std::string("abc") + std::string(17, '\0') + "XY");
  ASSERT_TRUE(Write("/f", 1, "ZZZZZZZZZZ").ok());
  EXPECT_EQ(Cat("/f"), std::string("aZZZZZZZZZZ") + std::string(9, '\0') + "XY");
}

TEST_F(StateMachineTest, TruncateShrinksAndExtendsWithZeros) {
  ASSERT_TRUE(Put("/f", "0123456789abcdefghij").ok());
  ASSERT_TRUE(Truncate("/f", 5).ok());
  EXPECT_EQ(Cat("/f"), "01234");
  ASSERT_TRUE(Truncate("/f", 12).ok());  // old bytes must not come back
  EXPECT_EQ(Cat("/f"), std::string("01234") + std::string(7, '\0'));
  EXPECT_EQ(Truncate("/missing", 1).code, OutcomeCode::kNotFound);
}

TEST_F(StateMachineTest, MkdirAndItsConflicts) {
  EXPECT_TRUE(Mkdir("/d/e").results[0].created);
  EXPECT_FALSE(Mkdir("/d/e").results[0].created);
  ASSERT_TRUE(Put("/file", "x").ok());
  EXPECT_EQ(Mkdir("/file").code, OutcomeCode::kAlreadyExists);
  EXPECT_EQ(Mkdir("/file/sub").code, OutcomeCode::kNotADirectory);
  EXPECT_EQ(Put("/d", "x").code, OutcomeCode::kIsADirectory);
  EXPECT_EQ(Put("/file/x", "x").code, OutcomeCode::kNotADirectory);
  EXPECT_EQ(Append("/d", "x").code, OutcomeCode::kIsADirectory);
}

TEST_F(StateMachineTest, DeleteFilesAndDirectories) {
  ASSERT_TRUE(Put("/d/a", "1").ok());
  ASSERT_TRUE(Put("/d/sub/b", "2").ok());
  EXPECT_EQ(Rm("/d").code, OutcomeCode::kNotEmpty);
  EXPECT_EQ(Rm("/nope").code, OutcomeCode::kNotFound);
  EXPECT_EQ(Rm("/").code, OutcomeCode::kBadRequest);
  ASSERT_TRUE(Rm("/d/a").ok());
  EXPECT_EQ(Cat("/d/a"), "<missing>");
  ASSERT_TRUE(Rm("/d", true).ok());
  EXPECT_EQ(Ls("/"), Strings{});
  // Nothing of the deleted files is left in the store but meta and root.
  for (const auto& [k, v] : store().data()) {
    // (and the change events, which go with the log: watch/journal.h)
    EXPECT_TRUE(k[0] == 'M' || k[0] == 'V' || k == keys::Inode(kRootInode)) << k;
  }
}

TEST_F(StateMachineTest, RenameMovesSubtreesAndRespectsConflicts) {
  ASSERT_TRUE(Put("/a/x/1", "one").ok());
  ASSERT_TRUE(Put("/a/y", "why").ok());
  ASSERT_TRUE(Put("/b", "bee").ok());
  EXPECT_EQ(Mv("/a", "/a/x/inner").code, OutcomeCode::kBadRequest);
  EXPECT_EQ(Mv("/a/y", "/b").code, OutcomeCode::kAlreadyExists);
  EXPECT_EQ(Mv("/a", "/b", true).code, OutcomeCode::kAlreadyExists);  // dir never replaces
  EXPECT_EQ(Mv("/b", "/a", true).code, OutcomeCode::kAlreadyExists);  // nor is replaced
  EXPECT_EQ(Mv("/nope", "/z").code, OutcomeCode::kNotFound);
  EXPECT_EQ(Mv("/b", "/b/c").code, OutcomeCode::kNotADirectory);
  ASSERT_TRUE(Mv("/a", "/new/place").ok());
  EXPECT_EQ(Cat("/new/place/x/1"), "one");
  EXPECT_EQ(Cat("/a/y"), "<missing>");
  auto o = Mv("/new/place/y", "/b", true);
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(Cat("/b"), "why");
  EXPECT_EQ(o.results[0].path, "/b");
}

TEST_F(StateMachineTest, InvalidPathsAreOutcomes) {
  EXPECT_EQ(Put("/a/../b", "x").code, OutcomeCode::kInvalidPath);
  EXPECT_EQ(Mv("/a", "/b//c").code, OutcomeCode::kInvalidPath);
  EXPECT_EQ(Ls("/"), Strings{});
}

TEST_F(StateMachineTest, ConditionsDecideAtApplyTime) {
  auto first = Put("/f", "v1");
  Entry e;
  e.conditions = {Condition::Version("/f", first.position)};
  e.ops = {Op::Put("/f", "v2")};
  ASSERT_TRUE(Apply(e).ok());
  auto stale = Apply(e);  // same version again: now stale
  EXPECT_EQ(stale.code, OutcomeCode::kPreconditionFailed);
  EXPECT_EQ(stale.failed_condition, 0);
  EXPECT_EQ(Cat("/f"), "v2");

  Entry create_only;
  create_only.conditions = {Condition::Exists("/f", false)};
  create_only.ops = {Op::Put("/f", "v3")};
  EXPECT_EQ(Apply(create_only).code, OutcomeCode::kPreconditionFailed);

  Entry sized;
  sized.conditions = {Condition::Size("/new", 0)};
  sized.ops = {Op::Append("/new", "rec1")};
  ASSERT_TRUE(Apply(sized).ok());
  EXPECT_EQ(Apply(sized).code, OutcomeCode::kPreconditionFailed);  // size is now 4
  EXPECT_EQ(Cat("/new"), "rec1");
}

TEST_F(StateMachineTest, TransactionsAreAllOrNothing) {
  ASSERT_TRUE(Put("/keep", "k").ok());
  Entry tx;
  tx.ops = {Op::Put("/t/a", "A"), Op::Append("/keep", "more"), Op::Truncate("/missing", 1)};
  auto o = Apply(tx);
  EXPECT_EQ(o.code, OutcomeCode::kNotFound);
  EXPECT_EQ(o.failed_index, 2);
  EXPECT_TRUE(o.results.empty());
  EXPECT_EQ(Cat("/t/a"), "<missing>");
  EXPECT_EQ(Cat("/keep"), "k");
  EXPECT_EQ(Ls("/"), Strings{"keep"});

  Entry ok;
  ok.ops = {Op::Put("/t/a", "A"), Op::Rename("/t/a", "/t/b", false), Op::Append("/t/b", "B")};
  auto r = Apply(ok);
  ASSERT_TRUE(r.ok()) << r.message;
  ASSERT_EQ(r.results.size(), 3u);
  EXPECT_EQ(*r.results[2].offset, 1u);
  EXPECT_EQ(Cat("/t/b"), "AB");
}

TEST_F(StateMachineTest, IdempotencyKeyAppliesOnceAndAnswersTheSame) {
  Entry e;
  e.idempotency_key = "k1";
  e.ops = {Op::Append("/log", "rec")};
  auto first = Apply(e);
  auto again = Apply(e);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.position, first.position);
  EXPECT_EQ(again.results, first.results);
  EXPECT_EQ(Cat("/log"), "rec");
  e.ops = {Op::Append("/log", "different")};
  EXPECT_EQ(Apply(e).code, OutcomeCode::kIdempotencyKeyReused);
  EXPECT_EQ(Cat("/log"), "rec");
}

TEST_F(StateMachineTest, IdempotencyRecordsExpireByLogTime) {
  Entry e;
  e.idempotency_key = "k1";
  e.ops = {Op::Append("/log", "rec")};
  ASSERT_TRUE(Apply(e).ok());
  set_ms_step(kIdempotencyRetentionMs + 1);
  ASSERT_TRUE(Put("/other", "x").ok());  // prunes expired keys
  set_ms_step(1);
  auto again = Apply(e);
  EXPECT_FALSE(again.duplicate);
  EXPECT_EQ(Cat("/log"), "recrec");
}

TEST_F(StateMachineTest, ExpiredIdempotencyRecordsArePrunedInBoundedSteps) {
  for (int i = 0; i < 150; ++i) {
    Entry e;
    e.idempotency_key = "key-" + std::to_string(i);
    e.ops = {Op::Append("/log", "r")};
    ASSERT_TRUE(Apply(e).ok());
  }
  auto count = [&](char prefix) {
    size_t n = 0;
    for (const auto& [k, v] : store().data()) n += k[0] == prefix;
    return n;
  };
  EXPECT_EQ(count('K'), 150u);
  set_ms_step(kIdempotencyRetentionMs + 1);
  ASSERT_TRUE(Put("/x", "1").ok());  // everything expired: 64 go per entry
  set_ms_step(1);
  EXPECT_EQ(count('K'), 150u - 64);
  ASSERT_TRUE(Put("/x", "2").ok());
  ASSERT_TRUE(Put("/x", "3").ok());
  EXPECT_EQ(count('K'), 0u);
  EXPECT_EQ(count('T'), 0u);
  EXPECT_EQ(store().data().count(keys::Meta(keys::kIdemOldest)), 0u);
  Entry e;
  e.idempotency_key = "key-1";  // remembered no longer: applies again
  e.ops = {Op::Append("/log", "r")};
  EXPECT_FALSE(Apply(e).duplicate);
  EXPECT_EQ(store().data().count(keys::Meta(keys::kIdemOldest)), 1u);
}

TEST_F(StateMachineTest, CorruptEntryIsRejectedAndPositionAdvances) {
  auto o = ApplyPayload("garbage that is not an entry");
  EXPECT_EQ(o.code, OutcomeCode::kRejected);
  EXPECT_EQ(state().applied, o.position);
  EXPECT_TRUE(Put("/after", "x").ok());
}

TEST_F(StateMachineTest, DigestChainsOverEntriesAndOutcomes) {
  testing::SmFixture other;
  ASSERT_TRUE(Put("/a", "1").ok());
  ASSERT_TRUE(other.Put("/a", "1").ok());
  EXPECT_EQ(state().digest, other.state().digest);
  ASSERT_TRUE(Put("/b", "2").ok());
  ASSERT_TRUE(other.Put("/b", "3").ok());
  EXPECT_NE(state().digest, other.state().digest);
}

TEST_F(StateMachineTest, PredecessorMismatchStopsWithoutApplying) {
  Overlay batch(&store());
  LogRecord rec{{5000, 0}, {4000, 0}, EncodeEntry(Entry{})};
  auto r = ApplyBatch(state(), &batch, 8, std::span<const LogRecord>(&rec, 1));
  EXPECT_FALSE(r.stop.ok());
  EXPECT_TRUE(r.outcomes.empty());
  EXPECT_EQ(batch.size(), 0u);
}

TEST_F(StateMachineTest, LogTimeComesFromTheRecordWhereThePositionIsNotATime) {
  // A JetStream record: its position is a sequence, its time the message's.
  Entry e;
  e.ops.push_back(Op::Put("/seq", "x"));
  e.idempotency_key = "k";
  Overlay batch(&store());
  LogRecord rec{{7, 0}, state().applied, EncodeEntry(e), 1796288270513};
  auto r = ApplyBatch(state(), &batch, 8, std::span<const LogRecord>(&rec, 1));
  ASSERT_TRUE(r.stop.ok()) << r.stop.ToString();
  store().Apply(batch);
  auto n = Stat("/seq");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->inode.version, (Position{7, 0}));
  EXPECT_EQ(n->inode.mtime_ms, 1796288270513u);
  EXPECT_EQ(n->inode.ctime_ms, 1796288270513u);
}

TEST_F(StateMachineTest, UnsupportedFormatStopsTheApplier) {
  std::string bytes = EncodeEntry(Entry{});
  bytes[1] = 9;
  std::string body = bytes.substr(0, bytes.size() - 8);
  Overlay batch(&store());
  // A valid checksum over a newer version byte.
  LogRecord rec{{5000, 0}, state().applied, testing::Reseal(body)};
  auto r = ApplyBatch(state(), &batch, 8, std::span<const LogRecord>(&rec, 1));
  EXPECT_EQ(r.stop.code(), Code::kUnsupported);
  EXPECT_EQ(batch.size(), 0u);
}

TEST_F(StateMachineTest, ListingPagesAndRecursion) {
  for (const char* p : {"/d/b", "/d/a/2", "/d/a/1", "/d/c"}) ASSERT_TRUE(Put(p, "x").ok());
  auto d = *Stat("/d");
  std::vector<DirEntry> out;
  bool more;
  ASSERT_TRUE(View().List(d.ino, "", 2, &out, &more).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(more);
  EXPECT_EQ(out[1].name, "b");
  out.clear();
  ASSERT_TRUE(View().List(d.ino, "b", 2, &out, &more).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(more);
  Strings all;
  std::string after;
  do {
    out.clear();
    ASSERT_TRUE(View().ListRecursive(d.ino, after, 2, &out, &more).ok());
    for (auto& e : out) all.push_back(e.name);
    if (!out.empty()) after = out.back().name;
  } while (more);
  EXPECT_EQ(all, (Strings{"a", "a/1", "a/2", "b", "c"}));
}

}  // namespace
}  // namespace walfs
