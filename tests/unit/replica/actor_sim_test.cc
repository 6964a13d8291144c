// Seeded simulation of the real actors: the Applier, Proposer and Waiters
// that `walfs serve` runs, three replicas of each over one simulated log,
// each replica with its own simulated store, driven from one thread in an
// order the seed decides. The faults: appends that fail or time out after
// succeeding, records delivered twice, commits that fail, a disk that fills
// up, replicas that crash, a clock that jumps; and, in their own tests, a
// log that loses its tail or forks. Checks: replicas byte-identical with
// equal digests, the namespace equal to the reference model's replay of the
// final log, every acknowledged write in the log where it was acknowledged
// with the model's outcome, and a replica stopped wherever it would
// otherwise have applied past a hole.
//
//   actor_sim_test                  seeds 1..500 (WALFS_SIM_SEEDS=N for more)
//   actor_sim_test --seed=1234      replays one seed
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "codec/entry.h"
#include "replica/applier.h"
#include "replica/proposer.h"
#include "replica/waiters.h"
#include "schema/fs_view.h"
#include "sm/outcome_code.h"
#include "support/sim_model.h"
#include "support/sim_world.h"

namespace walfs::testing {
namespace {

uint64_t g_only_seed = 0;
uint64_t g_seed_count = 500;

struct Stats {
  uint64_t acked = 0, timeouts = 0, retried = 0, redelivered = 0, pauses = 0, crashes = 0,
           clock_jumps = 0;
};
Stats g_stats;

// Counts what the applier reported.
struct Events final : ApplierEvents {
  void ApplierPaused(bool p) override { pauses += p; }
  void ApplierLogError() override { ++log_errors; }
  uint64_t pauses = 0, log_errors = 0;
};

// One replica: its store survives a crash; the actors do not.
struct Node {
  SimStore store;
  Events events;
  std::unique_ptr<Waiters> waiters;
  std::unique_ptr<Applier> applier;
  std::unique_ptr<Proposer> proposer;
  std::unique_ptr<LogConnection> conn;
  bool halted = false;
  int crashes = 0;
};

struct Ack {
  Entry entry;
  size_t node = 0;
  int crashes_then = 0;  // the node's crash count when it was submitted
  std::optional<Result<Position>> answer;
};

struct Plan {
  int steps = 400;
  bool faults = false;  // random faults of every kind
  uint64_t fail_append_at = 0, timeout_append_at = 0;
  size_t fail_commit_node = 0;
  uint64_t fail_commit_at = 0;
};

class World {
 public:
  World(uint64_t seed, Plan plan)
      : rng_(seed), work_(seed * 7919 + 3), plan_(plan), log_(&clock_, &rng_) {
    log_ptr_ = std::shared_ptr<Log>(&log_, [](Log*) {});
    opts_.apply_batch_entries_max = 1 + rng_() % 8;
    opts_.propose_batch_entries_max = 1 + rng_() % 8;
    opts_.store_reserve_bytes = 1 << 20;
    opts_.block_bytes = 8;
    log_.fail_append_at = plan.fail_append_at;
    log_.timeout_append_at = plan.timeout_append_at;
    if (plan.faults) log_.redeliver_pct = 10;
    for (auto& n : nodes_) Boot(n);
    nodes_[plan.fail_commit_node].store.fail_commit_at = plan.fail_commit_at;
  }

  SimLog& log() { return log_; }
  Node& node(size_t i) { return nodes_[i]; }
  size_t size() const { return nodes_.size(); }

  void Boot(Node& n) {
    n.waiters = std::make_unique<Waiters>(1 << 20);
    n.applier =
        std::make_unique<Applier>(&n.store, log_ptr_, n.waiters.get(), &n.events, opts_, &clock_);
    ASSERT_TRUE(n.applier->Init().ok());
    n.proposer = std::make_unique<Proposer>(log_ptr_, opts_);
    n.conn.reset();
    n.halted = false;
  }
  // The process dies: queued writes are answered not_ready by the
  // proposer's shutdown, committed state stays in the store.
  void Crash(Node& n) {
    n.proposer.reset();
    n.applier.reset();
    ++n.crashes;
    Boot(n);
  }

  void Submit(size_t i) {
    Node& n = nodes_[i];
    Entry e = work_.Next(model_for_workload_, versions_);
    size_t id = acks_.size();
    acks_.push_back(Ack{e, i, n.crashes, std::nullopt});
    bool queued = n.proposer->Submit(EncodeEntry(e), [this, id](Result<Position> r) {
      acks_[id].answer = r;
      if (r.ok()) {
        versions_[*r] = *r;
        work_.Landed(acks_[id].entry, *r);
      }
      // An append that timed out may have landed: the client retries it
      // with its key (without one it cannot know, and does not retry).
      if (!r.ok() && r.status().code() == Code::kTimeout &&
          !acks_[id].entry.idempotency_key.empty()) {
        retries_.push_back(id);
      }
    });
    if (!queued) acks_[id].answer = Status(Code::kNotReady, "queue full");
  }

  void StepApplier(Node& n) {
    if (n.halted) return;
    if (!n.conn) {
      auto c = log_ptr_->Connect();
      if (!c.ok()) return;
      n.conn = std::move(c).value();
    }
    if (!n.applier->ApplyOnce(n.conn.get())) n.halted = true;
  }

  void Run() {
    for (int s = 0; s < plan_.steps; ++s) {
      clock_.Advance(rng_() % 5);
      uint64_t r = rng_() % 100;
      size_t i = rng_() % nodes_.size();
      Node& n = nodes_[i];
      if (r < 35) {
        Submit(i);
      } else if (r < 55) {
        n.proposer->RunOnce();
      } else if (r < 90) {
        StepApplier(n);
      } else if (r < 92) {
        Crash(n);
      } else if (!retries_.empty() && r < 95) {
        size_t id = retries_.back();
        retries_.pop_back();
        size_t to = rng_() % nodes_.size();
        size_t again = acks_.size();
        ++retried_;
        acks_.push_back(Ack{acks_[id].entry, to, nodes_[to].crashes, std::nullopt});
        nodes_[to].proposer->Submit(EncodeEntry(acks_[id].entry),
                                    [this, again](Result<Position> p) { acks_[again].answer = p; });
      } else if (plan_.faults) {
        Fault(rng_() % 4, n);
      }
    }
  }

  void Fault(uint64_t kind, Node& n) {
    switch (kind) {
      case 0:
        n.store.fail_commit_at = n.store.commits() + 1;
        ++faults_.commits_failed;
        break;
      case 1:
        n.store.free_bytes = n.store.free_bytes == 0 ? UINT64_MAX : 0;
        ++faults_.disk_full;
        break;
      case 2:
        clock_.Advance(30'000);
        ++faults_.clock_jumps;
        break;
      default:
        if (log_.append_calls() > 0) log_.timeout_append_at = log_.append_calls() + 1;
        break;
    }
  }

  // Everything queued is proposed and every replica applies to the end.
  void Drain() {
    for (auto& n : nodes_) n.store.free_bytes = UINT64_MAX;
    for (int round = 0; round < 10000; ++round) {
      bool busy = false;
      for (auto& n : nodes_) busy |= n.proposer->RunOnce() > 0;
      clock_.Advance(2000);  // past the applier's tail-check interval
      Position last = log_.records().empty() ? Position{} : log_.records().back().pos;
      for (auto& n : nodes_) {
        if (n.halted || n.waiters->applied() >= last) continue;
        busy = true;
        StepApplier(n);
      }
      if (!busy) return;
    }
    ADD_FAILURE() << "the replicas did not catch up";
  }

  // What went wrong, if anything.
  std::vector<std::string> Violations() {
    std::vector<std::string> v;
    const auto& recs = log_.records();
    Position last = recs.empty() ? Position{} : recs.back().pos;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      Node& n = nodes_[i];
      if (n.halted)
        v.push_back("replica " + std::to_string(i) +
                    " stopped: " + n.applier->health().stopped.ToString());
      if (n.waiters->applied() != last)
        v.push_back("replica " + std::to_string(i) + " is not at the log's end");
      if (n.store.mem().data() != nodes_[0].store.mem().data()) {
        v.push_back("replica " + std::to_string(i) + "'s store differs from replica 0's");
      }
      if (n.waiters->digest() != nodes_[0].waiters->digest()) v.push_back("digests differ");
    }
    // The model replays the final log.
    Model model;
    std::map<Position, MOutcome> expected;
    for (const auto& r : recs) {
      auto d = DecodeEntry(r.payload, 1 << 20);
      if (!d.ok()) {
        v.push_back("undecodable entry in the log");
        continue;
      }
      expected[r.pos] = model.Apply(d->entry, r.pos);
    }
    if (DumpNamespace(nodes_[0].store.mem(), 8) != model.Dump())
      v.push_back("the namespace differs from the model's replay of the log");
    for (const auto& a : acks_) {
      if (!a.answer || !a.answer->ok()) continue;
      Position p = **a.answer;
      auto it = std::lower_bound(recs.begin(), recs.end(), p,
                                 [](const LogRecord& r, Position q) { return r.pos < q; });
      if (it == recs.end() || it->pos != p || it->payload != EncodeEntry(a.entry)) {
        v.push_back("an acknowledged write is not in the log at " + p.ToString());
        continue;
      }
      Node& n = nodes_[a.node];
      if (n.crashes != a.crashes_then) continue;  // its outcomes died with it
      auto o = n.waiters->TakeOutcome(p);
      if (!o) {
        v.push_back("no outcome kept for " + p.ToString());
      } else if (OutcomeCodeName(o->code) != CodeName(expected[p].code)) {
        v.push_back("outcome at " + p.ToString() + " is " + std::string(OutcomeCodeName(o->code)) +
                    ", the model says " + std::string(CodeName(expected[p].code)));
      }
    }
    return v;
  }

  void AddStats(Stats* s) const {
    for (const auto& a : acks_) {
      s->acked += a.answer && a.answer->ok();
      s->timeouts += a.answer && !a.answer->ok() && a.answer->status().code() == Code::kTimeout;
    }
    s->retried += retried_;
    s->redelivered += log_.redelivered();
    for (const auto& n : nodes_) {
      s->pauses += n.events.pauses;
      s->crashes += n.crashes;
    }
    s->clock_jumps += faults_.clock_jumps;
  }

  struct FaultCount {
    uint64_t commits_failed = 0, disk_full = 0, clock_jumps = 0;
  };
  const FaultCount& faults() const { return faults_; }
  uint64_t acked() const {
    return std::count_if(acks_.begin(), acks_.end(),
                         [](const Ack& a) { return a.answer && a.answer->ok(); });
  }

 private:
  std::mt19937_64 rng_;
  Workload work_;
  Plan plan_;
  SimClock clock_;
  SimLog log_;
  std::shared_ptr<Log> log_ptr_;
  ServerOptions opts_;
  std::array<Node, 3> nodes_;
  Model model_for_workload_;
  std::map<Position, Position> versions_;
  std::vector<Ack> acks_;
  std::vector<size_t> retries_;
  uint64_t retried_ = 0;
  FaultCount faults_;
};

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < 8; ++i) out += "\n  " + v[i];
  return out;
}

void RunSeed(uint64_t seed, Plan plan) {
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (replay: actor_sim_test --seed=" + std::to_string(seed) + ")");
  World w(seed, plan);
  w.Run();
  w.Drain();
  auto v = w.Violations();
  EXPECT_TRUE(v.empty()) << Join(v);
  w.AddStats(&g_stats);
}

std::vector<uint64_t> Seeds() {
  if (g_only_seed != 0) return {g_only_seed};
  std::vector<uint64_t> s;
  for (uint64_t i = 1; i <= g_seed_count; ++i) s.push_back(i);
  return s;
}

TEST(ActorSimulation, ReplicasRunningTheRealActorsAgreeWithTheModel) {
  for (uint64_t seed : Seeds()) {
    RunSeed(seed, Plan{});
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(ActorSimulation, WithFaultsOfEveryKind) {
  for (uint64_t seed : Seeds()) {
    Plan p;
    p.faults = true;
    RunSeed(seed, p);
    if (::testing::Test::HasFailure()) return;
  }
  // The faults did fire.
  EXPECT_GT(g_stats.redelivered, 0u);
  EXPECT_GT(g_stats.pauses, 0u);
  EXPECT_GT(g_stats.crashes, 0u);
  EXPECT_GT(g_stats.timeouts, 0u);
  EXPECT_GT(g_stats.acked, 0u);
  std::printf(
      "%lu writes acknowledged, %lu appends timed out (and %lu retried), %lu records delivered "
      "again, "
      "%lu applier pauses (failed commits, full disks), %lu crashes, %lu clock jumps\n",
      (unsigned long)g_stats.acked, (unsigned long)g_stats.timeouts, (unsigned long)g_stats.retried,
      (unsigned long)g_stats.redelivered, (unsigned long)g_stats.pauses,
      (unsigned long)g_stats.crashes, (unsigned long)g_stats.clock_jumps);
}

// Every failure point of a short workload: the Nth append fails, the Nth
// append times out after landing, the Nth commit of a replica fails.
TEST(ActorSimulation, SweepsEveryFailurePointOfAShortWorkload) {
  for (uint64_t n = 1; n <= 40; ++n) {
    for (int kind = 0; kind < 3; ++kind) {
      Plan p;
      p.steps = 120;
      if (kind == 0) p.fail_append_at = n;
      if (kind == 1) p.timeout_append_at = n;
      if (kind == 2) {
        p.fail_commit_node = n % 3;
        p.fail_commit_at = n;
      }
      SCOPED_TRACE("failure point " + std::to_string(n) + " of kind " + std::to_string(kind));
      RunSeed(1000 + n, p);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// A log that loses its tail (or forks) under the replicas: every replica
// that had applied a lost entry stops; the others continue on the log as
// it now is, and agree with each other and the model.
void LoseOrFork(uint64_t seed, bool fork) {
  SCOPED_TRACE("seed " + std::to_string(seed) + (fork ? " fork" : " lost tail"));
  Plan p;
  p.steps = 150;
  World w(seed, p);
  w.Run();
  w.Drain();
  ASSERT_TRUE(w.Violations().empty()) << Join(w.Violations());
  // Two replicas have applied everything; replica 2 is rebuilt behind: it
  // is left where the log will be cut.
  size_t total = w.log().records().size();
  if (total < 4) return;
  size_t lost = 1 + seed % 3;
  Position cut = w.log().records()[total - lost - 1].pos;
  w.log().LoseTail(lost);
  if (fork) w.log().Fork(0, {EncodeEntry(Entry{{}, {}, {Op::Append("/forked", "x")}})});
  // New writes land after the cut.
  w.Submit(0);
  w.node(0).proposer->RunOnce();
  w.Drain();
  for (size_t i = 0; i < w.size(); ++i) {
    Node& n = w.node(i);
    EXPECT_TRUE(n.halted) << "replica " << i << " applied past " << cut.ToString()
                          << " and did not stop";
  }
}

TEST(ActorSimulation, ALostTailStopsEveryReplicaThatAppliedIt) {
  for (uint64_t seed = 1; seed <= 50; ++seed) LoseOrFork(seed, false);
}

TEST(ActorSimulation, AForkStopsEveryReplicaThatAppliedTheOldBranch) {
  for (uint64_t seed = 1; seed <= 50; ++seed) LoseOrFork(seed, true);
}

// The simulation catches a broken applier: with predecessors not checked
// (a log that lies about them, as an applier that skipped the check would
// see it), replicas apply past a lost tail without stopping, and the
// checks against the model report the divergence.
TEST(ActorSimulation, ABrokenPredecessorCheckIsCaught) {
  int caught = 0, runs = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Plan p;
    p.steps = 150;
    World w(seed, p);
    w.log().lie_about_predecessors = true;
    w.Run();
    w.Drain();
    if (w.log().records().size() < 4) continue;
    ++runs;
    w.log().LoseTail(3);
    for (int i = 0; i < 3; ++i) w.Submit(1);
    w.node(1).proposer->RunOnce();
    w.Drain();
    for (size_t i = 0; i < w.size(); ++i)
      EXPECT_FALSE(w.node(i).halted) << "the lie hides the hole";
    auto v = w.Violations();
    caught += std::any_of(v.begin(), v.end(), [](const std::string& s) {
      return s.find("differs from the model's") != std::string::npos;
    });
  }
  EXPECT_GT(runs, 10);
  EXPECT_GT(caught, 0) << "no run showed the divergence a broken predecessor check causes";
}

}  // namespace
}  // namespace walfs::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  spdlog::set_level(spdlog::level::off);  // the stops the scenarios cause are expected
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--seed=", 0) == 0)
      walfs::testing::g_only_seed = std::strtoull(a.c_str() + 7, nullptr, 10);
  }
  if (const char* n = std::getenv("WALFS_SIM_SEEDS"))
    walfs::testing::g_seed_count = std::strtoull(n, nullptr, 10);
  return RUN_ALL_TESTS();
}
