// Change events: the state machine records one per op that changed a path,
// in the same batch (sm/change_event.h); the journal reads them after a
// cursor and prunes them (watch/journal.h).
#include "sm/change_event.h"

#include <gtest/gtest.h>

#include "schema/schema.h"
#include "support/sm_fixture.h"
#include "watch/journal.h"

namespace walfs {
namespace {

class ChangeEventTest : public ::testing::Test, public testing::SmFixture {
 protected:
  // Every event after `after`, as "op path[->to] size/offset/length #index".
  std::vector<std::string> Events(EventCursor after = {}) {
    std::vector<std::string> out;
    EventCursor next;
    EXPECT_TRUE(ScanEvents(
                    store(), after, 1000,
                    [&](const JournalEvent& je) {
                      const ChangeEvent& e = je.event;
                      std::string s = e.op + " " + e.path;
                      if (!e.to.empty()) s += "->" + e.to;
                      auto n = [](const std::optional<uint64_t>& v) {
                        return v ? std::to_string(*v) : std::string("-");
                      };
                      s += " " + n(e.size) + "/" + n(e.offset) + "/" + n(e.length);
                      if (e.in_transaction) s += " #" + std::to_string(e.index);
                      out.push_back(s);
                      return true;
                    },
                    &next)
                    .ok());
    return out;
  }
};

TEST_F(ChangeEventTest, EachAppliedOpGivesOneEventAndNothingElseDoes) {
  ASSERT_TRUE(Put("/d/a", "hello").ok());  // /d is made implicitly: no event of its own
  ASSERT_TRUE(Append("/d/a", "!!").ok());
  ASSERT_TRUE(Write("/d/a", 1, "E").ok());
  ASSERT_TRUE(Truncate("/d/a", 3).ok());
  ASSERT_TRUE(Mkdir("/e").ok());
  ASSERT_TRUE(Mv("/d/a", "/e/b").ok());
  EXPECT_EQ(Rm("/nope").code, OutcomeCode::kNotFound);  // failed: no event
  ASSERT_TRUE(Rm("/e", true).ok());
  EXPECT_EQ(Events(),
            (std::vector<std::string>{"put /d/a 5/-/5", "append /d/a 7/5/2", "write /d/a 7/1/1",
                                      "truncate /d/a 3/-/-", "mkdir /e -/-/-",
                                      "rename /d/a->/e/b -/-/-", "delete /e -/-/-"}));
}

TEST_F(ChangeEventTest, ATransactionGivesOneEventPerOpWithItsIndexAndAFailedOneNone) {
  Entry tx;
  tx.ops = {Op::Put("/t/x", "1"), Op::Append("/t/log", "abc"), Op::Rename("/t/x", "/u", false)};
  ASSERT_TRUE(Apply(tx).ok());
  Entry failing;
  failing.conditions = {Condition::Exists("/absent", true)};
  failing.ops = {Op::Put("/t/y", "2"), Op::Put("/t/z", "3")};
  EXPECT_EQ(Apply(failing).code, OutcomeCode::kPreconditionFailed);
  EXPECT_EQ(Events(), (std::vector<std::string>{"put /t/x 1/-/1 #0", "append /t/log 3/0/3 #1",
                                                "rename /t/x->/u -/-/- #2"}));
}

TEST_F(ChangeEventTest, AnIdempotentReplayGivesNoEvent) {
  Entry e;
  e.idempotency_key = "k";
  e.ops = {Op::Append("/f", "x")};
  ASSERT_TRUE(Apply(e).ok());
  ASSERT_TRUE(Apply(e).ok());  // answered from the idempotency table
  EXPECT_EQ(Events(), (std::vector<std::string>{"append /f 1/0/1"}));
}

TEST_F(ChangeEventTest, AnUploadGivesOneEventAtItsCommitAsTheOpItApplies) {
  const std::string id = "0123456789abcdef0123456789abcdef";
  ASSERT_TRUE(Put("/big", "0123").ok());
  ASSERT_TRUE(One(Op::UploadCreate("/big", id, OpType::kAppend, 0, 100000)).ok());
  auto staged = One(Op::UploadStage(id, 1, "abcdef"));
  ASSERT_TRUE(staged.ok());
  ASSERT_TRUE(One(Op::UploadPart(id, 1, 6, std::string(16, 'm'), {staged.position})).ok());
  ASSERT_TRUE(One(Op::UploadCommit(id, {})).ok());
  EXPECT_EQ(Events(), (std::vector<std::string>{"put /big 4/-/4", "append /big 10/4/6"}));
}

TEST_F(ChangeEventTest, ScanningResumesAfterACursorExclusively) {
  ASSERT_TRUE(Put("/a", "1").ok());
  Position first = applied();
  Entry tx;
  tx.ops = {Op::Put("/b", "2"), Op::Put("/c", "3")};
  ASSERT_TRUE(Apply(tx).ok());
  Position second = applied();
  EXPECT_EQ(Events(EventCursor{first, std::nullopt}).size(), 2u);
  EXPECT_EQ(Events(EventCursor{second, 0}), (std::vector<std::string>{"put /c 1/-/1 #1"}));
  EXPECT_TRUE(Events(EventCursor{second, std::nullopt}).empty());
  // Stopped after max records, the next call goes on from there.
  EventCursor next;
  size_t seen = 0;
  ASSERT_TRUE(ScanEvents(
                  store(), {}, 2, [&](const JournalEvent&) { return ++seen, true; }, &next)
                  .ok());
  EXPECT_EQ(seen, 2u);
  EXPECT_EQ(next, (EventCursor{second, 0}));
}

TEST_F(ChangeEventTest, PruningRemovesEventsAtOrBelowAPositionAndMovesEventsFrom) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Append("/f", "x").ok());
  std::vector<Position> at;
  EventCursor end;
  ASSERT_TRUE(ScanEvents(
                  store(), {}, 100,
                  [&](const JournalEvent& je) { return at.push_back(je.pos), true; }, &end)
                  .ok());
  ASSERT_EQ(at.size(), 5u);
  EXPECT_EQ(*EventsFrom(store()), Position{});
  // A bounded prune: two of the three at or below at[2]; events_from says
  // where the store is complete from.
  Overlay batch(&store());
  EXPECT_EQ(*PruneEvents(store(), at[2], 2, &batch), 2u);
  store().Apply(batch);
  EXPECT_EQ(*EventsFrom(store()), at[1]);
  EXPECT_EQ(Events().size(), 3u);
  Overlay more(&store());
  EXPECT_EQ(*PruneEvents(store(), at[2], 2, &more), 1u);
  store().Apply(more);
  EXPECT_EQ(*EventsFrom(store()), at[2]);
  EXPECT_EQ(Events().size(), 2u);
  Overlay none(&store());
  EXPECT_EQ(*PruneEvents(store(), at[1], 2, &none), 0u);  // never back
  EXPECT_EQ(none.size(), 0u);
}

TEST(ChangeEventCodecTest, RoundTripsAndRefusesGarbage) {
  ChangeEvent e{"rename", "/a/b", "/c", 12, 3, 4, 1796000000123, 7, true};
  EXPECT_EQ(DecodeChangeEvent(EncodeChangeEvent(e)), e);
  ChangeEvent bare{"delete", "/x", "", std::nullopt, std::nullopt, std::nullopt, 1, 0, false};
  EXPECT_EQ(DecodeChangeEvent(EncodeChangeEvent(bare)), bare);
  std::string bytes = EncodeChangeEvent(e);
  EXPECT_FALSE(DecodeChangeEvent(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(DecodeChangeEvent(bytes + "x"));
  EXPECT_FALSE(DecodeChangeEvent(""));
}

TEST(ChangeEventCodecTest, AWatchConcernsItsPathItsChildrenOrEverythingBeneath) {
  ChangeEvent child{"append", "/logs/a", "", {}, {}, {}, 0, 0, false};
  ChangeEvent deep{"append", "/logs/x/y", "", {}, {}, {}, 0, 0, false};
  ChangeEvent moved_in{"rename", "/tmp/a", "/logs/b", {}, {}, {}, 0, 0, false};
  ChangeEvent itself{"delete", "/logs", "", {}, {}, {}, 0, 0, false};
  ChangeEvent other{"put", "/logsx", "", {}, {}, {}, 0, 0, false};
  EXPECT_TRUE(EventConcerns(child, "/logs", false));
  EXPECT_FALSE(EventConcerns(deep, "/logs", false));
  EXPECT_TRUE(EventConcerns(deep, "/logs", true));
  EXPECT_TRUE(EventConcerns(moved_in, "/logs", false));
  EXPECT_TRUE(EventConcerns(itself, "/logs", false));
  EXPECT_FALSE(EventConcerns(other, "/logs", true));
  EXPECT_TRUE(EventConcerns(other, "/", true));
  EXPECT_TRUE(EventConcerns(child, "/logs/a", false));
}

}  // namespace
}  // namespace walfs
