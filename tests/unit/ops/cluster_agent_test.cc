#include <gtest/gtest.h>

#include "ops/cluster_agent.h"

namespace walfs {
namespace {

ReplicaInfo At(std::string id, Position p, std::string digest) {
  ReplicaInfo r;
  r.id = std::move(id);
  r.applied = p;
  r.digest = std::move(digest);
  return r;
}

TEST(DivergenceTest, TheMinoritySideAtOnePositionIsDiverged) {
  std::vector<ReplicaInfo> rs = {At("a", {5, 0}, "A"), At("b", {5, 0}, "A"), At("c", {5, 0}, "B")};
  EXPECT_TRUE(ClusterAgent::FindDivergence("a", &rs).ok());
  EXPECT_FALSE(rs[0].diverged);
  EXPECT_TRUE(rs[2].diverged);
  Status c = ClusterAgent::FindDivergence("c", &rs);
  EXPECT_FALSE(c.ok());
  EXPECT_NE(c.message().find("5-0"), std::string::npos);
}

TEST(DivergenceTest, ATieMarksBothAndDifferentPositionsAreNotCompared) {
  std::vector<ReplicaInfo> tie = {At("a", {5, 0}, "A"), At("b", {5, 0}, "B")};
  EXPECT_FALSE(ClusterAgent::FindDivergence("a", &tie).ok());
  EXPECT_TRUE(tie[0].diverged && tie[1].diverged);
  std::vector<ReplicaInfo> apart = {At("a", {5, 0}, "A"), At("b", {6, 0}, "B")};
  EXPECT_TRUE(ClusterAgent::FindDivergence("a", &apart).ok());
  EXPECT_FALSE(apart[0].diverged || apart[1].diverged);
}

}  // namespace
}  // namespace walfs
