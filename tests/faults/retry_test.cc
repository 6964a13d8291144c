// Lost answers (make faults): a proxy in front of every replica swallows
// answers after the request reached the server; clients retry each append
// with the same Idempotency-Key until they get an answer. Every append must
// appear exactly once, at the offset its (possibly retried) answer gave.
#include <gtest/gtest.h>

#include <memory>

#include "faults/history.h"
#include "faults/proxy.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

TEST(FaultsTest, RetriesWithIdempotencyKeysApplyExactlyOnceWhenAnswersAreLost) {
  Cluster c(3);
  std::vector<std::unique_ptr<DroppingProxy>> proxies;
  std::vector<std::string> via, direct;
  for (size_t i = 0; i < c.size(); ++i) {
    proxies.push_back(
        std::make_unique<DroppingProxy>(c.node(i).port(), 0.2, 100 + static_cast<uint32_t>(i)));
    via.push_back(proxies.back()->url());
    direct.push_back(c.node(i).url());
  }
  HistoryOptions o;
  o.idempotent = true;
  History h(via, o);
  h.Start();
  // Runs until enough answers were lost.
  auto dropped = [&] {
    uint64_t n = 0;
    for (auto& p : proxies) n += p->dropped();
    return n;
  };
  ASSERT_TRUE(WaitFor([&] { return dropped() >= 500; }, 120s));
  h.Stop();
  ASSERT_TRUE(WaitFor([&] { return Converged(direct); }, 60s));
  Tally t = h.Check(direct);
  std::printf("faults: lost answers: %llu answers dropped by the proxies; %s\n",
              static_cast<unsigned long long>(dropped()), t.Summary().c_str());
  ExpectNoAnomalies(t);
  EXPECT_EQ(t.appends_unanswered, 0u);  // every append was retried until answered
  EXPECT_GT(t.retries, 100u);

  // The same key with a different body changes nothing and is refused.
  HttpClient a = c.node(0).Client();
  std::map<std::string, std::string> key = {{"Idempotency-Key", "reused-key"}};
  auto first = a.Request("POST", "/v1/fs/history/reuse?op=append", "first", key);
  ASSERT_EQ(first->status, 200) << first->body;
  auto again = a.Request("POST", "/v1/fs/history/reuse?op=append", "first", key);
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(Json(*again)["position"], Json(*first)["position"]);
  auto other = a.Request("POST", "/v1/fs/history/reuse?op=append", "other", key);
  EXPECT_EQ(other->status, 422) << other->body;
  EXPECT_EQ(Json(*other)["error"], "idempotency_key_reused");
  EXPECT_EQ(StrongRead(a, "/history/reuse"), "first");
}

}  // namespace
}  // namespace walfs::testing
