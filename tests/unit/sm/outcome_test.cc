// Outcomes as the state machine records them: pinned wire codes, no message
// in the digest or the idempotency table, the old format still read, and
// the digest format moving at the first entry of format 2.
#include "sm/outcome.h"

#include <gtest/gtest.h>

#include <tuple>

#include "schema/schema.h"
#include "sm/outcome_code.h"
#include "support/sm_fixture.h"

namespace walfs {
namespace {

// The numbers are part of the store format: never renumbered. (They equal
// the Code enum's values of format 1.)
TEST(OutcomeCodeTest, WireCodesArePinned) {
  const std::tuple<Code, OutcomeCode, uint8_t> pinned[] = {
      {Code::kOk, OutcomeCode::kOk, 0},
      {Code::kBadRequest, OutcomeCode::kBadRequest, 1},
      {Code::kInvalidPath, OutcomeCode::kInvalidPath, 2},
      {Code::kNotFound, OutcomeCode::kNotFound, 3},
      {Code::kIsADirectory, OutcomeCode::kIsADirectory, 4},
      {Code::kNotADirectory, OutcomeCode::kNotADirectory, 5},
      {Code::kAlreadyExists, OutcomeCode::kAlreadyExists, 6},
      {Code::kNotEmpty, OutcomeCode::kNotEmpty, 7},
      {Code::kPreconditionFailed, OutcomeCode::kPreconditionFailed, 8},
      {Code::kTooLarge, OutcomeCode::kTooLarge, 9},
      {Code::kIdempotencyKeyReused, OutcomeCode::kIdempotencyKeyReused, 11},
      {Code::kRejected, OutcomeCode::kRejected, 15},
  };
  for (auto [c, o, w] : pinned) {
    EXPECT_EQ(static_cast<uint8_t>(o), w) << CodeName(c);
    EXPECT_EQ(OutcomeFromStatus(c), o) << CodeName(c);
    EXPECT_EQ(StatusCodeOf(o), c) << CodeName(c);
    EXPECT_EQ(OutcomeCodeFromWire(w), o) << int(w);
    EXPECT_EQ(OutcomeCodeName(o), CodeName(c));
  }
}

// Replica failures and HTTP-only codes are not outcomes: the applier stops
// on them instead of recording them (fail closed).
TEST(OutcomeCodeTest, ReplicaFailuresAreNotOutcomes) {
  for (Code c :
       {Code::kIoError, Code::kCorruption, Code::kUnsupported, Code::kInternal, Code::kNotReady,
        Code::kTimeout, Code::kLogUnavailable, Code::kMethodNotAllowed, Code::kInvalidRange,
        Code::kUnauthorized, Code::kForbidden, Code::kTooManyRequests}) {
    EXPECT_FALSE(IsOutcomeCode(c)) << CodeName(c);
  }
  int outcomes = 0;
  for (Code c : kAllCodes) outcomes += IsOutcomeCode(c);
  EXPECT_EQ(outcomes, 12);
  EXPECT_FALSE(OutcomeCodeFromWire(12).has_value());
  EXPECT_FALSE(OutcomeCodeFromWire(0xF2).has_value());
}

Outcome Failed() {
  Outcome o;
  o.code = OutcomeCode::kNotFound;
  o.message = "/a does not exist";
  o.failed_index = 2;
  o.position = {7, 1};
  return o;
}

TEST(OutcomeTest, FormatTwoHoldsNoMessage) {
  Outcome a = Failed(), b = Failed();
  b.message = "reworded in a later release";
  EXPECT_EQ(EncodeOutcome(a), EncodeOutcome(b));
  auto back = DecodeOutcome(EncodeOutcome(a));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->code, OutcomeCode::kNotFound);
  EXPECT_EQ(back->failed_index, 2);
  EXPECT_TRUE(back->message.empty());
  EXPECT_NE(DefaultOutcomeMessage(*back).find("op 2"), std::string::npos);
}

// Records written by format 1 (raw code byte, then the message) still read.
TEST(OutcomeTest, FormatOneRecordsStillDecode) {
  Outcome o = Failed();
  OpResult r;
  r.path = "/x";
  r.version = {5, 0};
  r.size = 3;
  r.offset = 1;
  o.results.push_back(r);
  std::string v1 = EncodeOutcome(o, 1);
  EXPECT_EQ(uint8_t(v1[0]), 3);  // not_found's raw value in format 1
  auto back = DecodeOutcome(v1);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, o);
  EXPECT_FALSE(DecodeOutcome(std::string("\x0c", 1) + v1.substr(1)).has_value());  // 12: no outcome
}

// Rewording a message changes no digest of format 2.
TEST(DigestTest, FormatTwoDependsOnCodesNotMessages) {
  Outcome a = Failed(), b = Failed();
  b.message = "something else";
  std::string zero(16, '\0');
  EXPECT_EQ(ChainDigest(zero, {7, 1}, "p", a, 2), ChainDigest(zero, {7, 1}, "p", b, 2));
  EXPECT_NE(ChainDigest(zero, {7, 1}, "p", a, 1), ChainDigest(zero, {7, 1}, "p", b, 1));
  b.code = OutcomeCode::kNotEmpty;
  EXPECT_NE(ChainDigest(zero, {7, 1}, "p", a, 2), ChainDigest(zero, {7, 1}, "p", b, 2));
}

class DigestFormatTest : public ::testing::Test, public testing::SmFixture {};

// A store starts in digest format 1 and moves to 2 at the first entry of
// format 2, for good; the move is recorded in the store.
TEST_F(DigestFormatTest, MovesAtTheFirstFormatTwoEntry) {
  Entry e;
  e.ops = {Op::Put("/a", "1")};
  ASSERT_TRUE(ApplyPayload(EncodeEntry(e, 1)).ok());
  EXPECT_EQ(state().digest_format, 1);
  ASSERT_TRUE(ApplyPayload(EncodeEntry(e, 2)).ok());
  EXPECT_EQ(state().digest_format, 2);
  ASSERT_TRUE(ApplyPayload(EncodeEntry(e, 1)).ok());
  EXPECT_EQ(state().digest_format, 2);
  auto loaded = LoadApplyState(store());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->digest_format, 2);
  EXPECT_EQ(loaded->digest, state().digest);
}

// Idempotency records follow the store's digest format: a store in format 1
// keeps the message, one in format 2 does not (a duplicate's answer derives it).
TEST_F(DigestFormatTest, IdempotencyRecordsFollowTheFormat) {
  Entry e;
  e.idempotency_key = "k";
  e.ops = {Op::Rename("/missing", "/b", false)};
  Outcome first = ApplyPayload(EncodeEntry(e, 1));
  EXPECT_EQ(first.code, OutcomeCode::kNotFound);
  Outcome again = ApplyPayload(EncodeEntry(e, 1));
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.message, first.message);
  Entry f = e;
  f.idempotency_key = "k2";
  ASSERT_EQ(ApplyPayload(EncodeEntry(f, 2)).code, OutcomeCode::kNotFound);
  Outcome dup = ApplyPayload(EncodeEntry(f, 2));
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.code, OutcomeCode::kNotFound);
  EXPECT_EQ(dup.failed_index, 0);
  EXPECT_TRUE(dup.message.empty());
}

TEST_F(DigestFormatTest, VersionInConditionListsVersions) {
  auto put = Put("/a", "1");
  ASSERT_TRUE(put.ok());
  Entry e;
  e.conditions = {Condition::VersionIn("/a", {{1, 0}, put.position})};
  e.ops = {Op::Append("/a", "2")};
  EXPECT_TRUE(Apply(e).ok());
  EXPECT_EQ(Apply(e).code, OutcomeCode::kPreconditionFailed);  // the version moved on
  e.conditions = {Condition::VersionIn("/nope", {put.position})};
  EXPECT_EQ(Apply(e).code, OutcomeCode::kPreconditionFailed);
  EXPECT_EQ(Cat("/a"), "12");
  // Format 1 has no such condition: the entry is rejected as corrupt.
  e.conditions = {Condition::VersionIn("/a", {put.position})};
  EXPECT_EQ(ApplyPayload(EncodeEntry(e, 1)).code, OutcomeCode::kRejected);
}

}  // namespace
}  // namespace walfs
