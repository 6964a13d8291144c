// Seeded simulation: several replicas apply one log with random batch sizes
// and random restarts (a batch that is applied but never committed is lost,
// as in a crash), under a random workload of every op, condition,
// transaction and idempotency key. Each replica's store must equal every
// other's byte for byte with equal digests, its namespace must equal a plain
// reference model's, and each entry's outcome code must be the model's.
//
// The faulty variant adds a faulty log (records delivered again, reads that
// see only part of the tail, appends that time out after succeeding and are
// retried with their Idempotency-Key) and a faulty store (a commit that
// fails, commits not yet synced dropped by a power cut).
//
//   sim_test                      runs seeds 1..500 of each (WALFS_SIM_SEEDS=N for more)
//   sim_test --seed=1234          replays one seed
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "codec/entry.h"
#include "core/path.h"
#include "schema/fs_view.h"
#include "sm/outcome_code.h"
#include "sm/state_machine.h"
#include "support/sim_model.h"
#include "volume/entry_scope.h"
#include "watch/journal.h"

namespace walfs {
namespace {

using testing::Model;
using testing::MOutcome;
using testing::Workload;

uint64_t g_only_seed = 0;
uint64_t g_seed_count = 500;
constexpr uint32_t kBlockBytes = 8;  // tiny blocks: every write crosses boundaries

// ----------------------------------------------------------- the replicas
using Mutations = std::map<std::string, std::optional<std::string>, std::less<>>;

void ApplyMutations(MemStore* store, const Mutations& m) {
  Overlay o(store);
  for (const auto& [k, v] : m) {
    if (v) {
      o.Put(k, *v);
    } else {
      o.Delete(k);
    }
  }
  store->Apply(o);
}

// What the faulty log and store did to one replica.
struct FaultCounts {
  uint64_t redelivered = 0, partial_reads = 0, failed_commits = 0, power_cuts = 0,
           commits_dropped = 0;
};

struct SimReplica {
  MemStore store;    // what reads see: durable plus commits not yet synced
  MemStore durable;  // what survives a power cut
  std::vector<Mutations> unsynced;
  ApplyState state;
  std::map<Position, Outcome> outcomes;
  int restarts = 0;
  FaultCounts faults;

  SimReplica() {
    Overlay init(&store);
    EXPECT_TRUE(InitStore(store, &init, kBlockBytes).ok());
    store.Apply(init);
    durable.Apply(init);
    state = *LoadApplyState(store);
  }

  // Applies up to n records after the applied position; may "crash" before
  // committing, which must lose exactly that batch. With a workload rng,
  // the log and the store misbehave too.
  void Step(const std::vector<LogRecord>& log, size_t n, bool crash, Workload* faulty = nullptr);

  void Sync() {
    for (const auto& m : unsynced) ApplyMutations(&durable, m);
    unsynced.clear();
  }
  // Keeps the first `kept` commits not yet synced, drops the rest, and
  // restarts from what is left.
  void PowerCut(size_t kept) {
    faults.commits_dropped += unsynced.size() - kept;
    unsynced.resize(kept);
    Sync();
    store = durable;
    state = *LoadApplyState(store);
    ++faults.power_cuts;
  }

  std::map<std::string, std::string> Dump() const {
    return testing::DumpNamespace(store, kBlockBytes);
  }
};

void SimReplica::Step(const std::vector<LogRecord>& log, size_t n, bool crash, Workload* faulty) {
  auto it = std::upper_bound(log.begin(), log.end(), state.applied,
                             [](Position p, const LogRecord& r) { return p < r.pos; });
  size_t avail = static_cast<size_t>(log.end() - it);
  if (avail == 0) return;
  std::vector<LogRecord> recs(it, it + static_cast<long>(std::min(n, avail)));
  if (faulty != nullptr) {
    if (faulty->Pct(10) && it != log.begin()) {
      // Delivered again: the read starts up to 3 records early.
      size_t back = std::min<size_t>(1 + faulty->Pick(3), static_cast<size_t>(it - log.begin()));
      recs.insert(recs.begin(), it - static_cast<long>(back), it);
      faults.redelivered += back;
    }
    if (faulty->Pct(5)) {
      size_t i = faulty->Pick(recs.size());
      recs.insert(recs.begin() + static_cast<long>(i), recs[i]);  // one record twice in a row
      ++faults.redelivered;
    }
    if (recs.size() > 1 && faulty->Pct(10)) {
      recs.resize(1 + faulty->Pick(recs.size() - 1));  // the read saw only part of the tail
      ++faults.partial_reads;
    }
  }
  Overlay batch(&store, /*cache_reads=*/true);  // as the applier does
  auto r = ApplyBatch(state, &batch, kBlockBytes, recs);
  ASSERT_TRUE(r.stop.ok()) << r.stop.ToString();
  if (crash) {
    ++restarts;
    state = *LoadApplyState(store);  // restart: back to what was committed
    return;
  }
  if (faulty != nullptr && faulty->Pct(5)) {
    ++faults.failed_commits;  // the commit failed: nothing of it is kept; the applier retries
    return;
  }
  store.Apply(batch);
  state = r.state;
  for (auto& [p, o] : r.outcomes) {
    auto seen = outcomes.find(p);
    if (seen != outcomes.end()) {
      // Applied again after a power cut: the same outcome.
      EXPECT_EQ(OutcomeCodeName(seen->second.code), OutcomeCodeName(o.code))
          << "re-applied " << p.ToString();
      EXPECT_EQ(seen->second.results.size(), o.results.size()) << "re-applied " << p.ToString();
    }
    outcomes[p] = o;
  }
  if (faulty == nullptr) {
    durable.Apply(batch);
    return;
  }
  unsynced.push_back(batch.mutations());
  if (faulty->Pct(30)) Sync();
  if (faulty->Pct(4)) PowerCut(faulty->Pick(unsynced.size() + 1));
}

std::string Describe(const std::string& payload) {
  auto d = DecodeEntry(payload, 1 << 20);
  if (!d.ok()) return "<undecodable>";
  std::string out = "key=" + d->entry.idempotency_key;
  for (const auto& c : d->entry.conditions) {
    out += " if(" + std::to_string(int(c.type)) + " " + c.path + " v=" + c.version.ToString() +
           " e=" + std::to_string(c.exists) + " s=" + std::to_string(c.size) + ")";
  }
  for (const auto& o : d->entry.ops) {
    out += " " + std::string(OpName(o.type)) + "(" + o.path + " -> " + o.to +
           " off=" + std::to_string(o.offset) + " size=" + std::to_string(o.size) +
           " len=" + std::to_string(o.data.size()) + ")";
  }
  return out;
}

FaultCounts g_fault_totals;
testing::UploadCounts g_upload_totals;
uint64_t g_timed_out_appends = 0;
uint64_t g_change_events = 0;

// The change events (sm/change_event.h) the store holds: for each entry
// applied (not an idempotent replay), one per op that changes a path, in
// the op's order, naming its path; none for the others. (Replicas hold
// identical stores, events included: compared above.)
void ExpectChangeEvents(const SimReplica& r, const std::vector<LogRecord>& log) {
  std::map<Position, std::vector<ChangeEvent>> events;
  EventCursor end;
  ASSERT_TRUE(ScanEvents(
                  r.store, {}, SIZE_MAX,
                  [&](const JournalEvent& je) { return events[je.pos].push_back(je.event), true; },
                  &end)
                  .ok());
  size_t seen = 0;
  for (const auto& rec : log) {
    const Outcome& got = r.outcomes.at(rec.pos);
    auto d = DecodeEntry(rec.payload, kMaxEntryDataBytes);
    std::vector<const Op*> changing;
    if (got.ok() && !got.duplicate && d.ok()) {
      for (const auto& op : d->entry.ops) {
        if (!IsUploadOp(op.type) || op.type == OpType::kUploadCommit) changing.push_back(&op);
      }
    }
    auto it = events.find(rec.pos);
    size_t n = it == events.end() ? 0 : it->second.size();
    ASSERT_EQ(n, changing.size()) << "events of the entry at " << rec.pos.ToString();
    for (size_t k = 0; k < n; ++k) {
      const ChangeEvent& e = it->second[k];
      const Op& op = *changing[k];
      EXPECT_EQ(e.in_transaction, d->entry.ops.size() > 1);
      if (IsUploadOp(op.type)) continue;  // named by its upload's target
      EXPECT_EQ(e.path, *NormalizePath(op.type == OpType::kCopy ? op.to : op.path))
          << "event " << k << " of the entry at " << rec.pos.ToString();
    }
    seen += n;
  }
  g_change_events += seen;
}

void RunSeed(uint64_t seed, bool faults) {
  SCOPED_TRACE("seed " + std::to_string(seed) + (faults ? " with faults" : "") +
               " (replay: sim_test --seed=" + std::to_string(seed) +
               (faults ? " --gtest_filter=*Faulty*)" : ")"));
  Workload w(seed);
  Workload fault_rng(seed * 7919 + 1);
  Model model;
  std::vector<LogRecord> log;
  std::map<Position, MOutcome> expected;
  std::map<Position, Position> recent_versions;  // positions usable as If-Match versions
  std::vector<SimReplica> replicas(3);
  Position last;
  const int kEntries = 300;
  int appended = 0;
  Workload upgrade_rng(seed * 31 + 7);
  const int v1_until = static_cast<int>(upgrade_rng.Pick(kEntries + 1));
  while (appended < kEntries || w.Pct(1)) {
    if (appended < kEntries && w.Pct(60)) {
      Entry e = w.Next(model, recent_versions);
      Position pos =
          w.Pct(20) ? Position{last.ms, last.seq + 1} : Position{last.ms + 1 + w.Pick(3), 0};
      if (last.IsZero()) pos = Position{1000, 0};
      // Every 50th entry is corrupt bytes: a deterministic "rejected".
      // Entries before this seed's upgrade point are in format 1 (written
      // by an older proposer), unless they need a newer one (version_in
      // conditions: 2; uploads: 3; metadata and copies: 4; a commit's
      // checksums: 5), as in a cluster being upgraded one
      // proposer at a time: the digest format moves at the first entry of
      // format 2 or more, on every replica alike.
      uint8_t version = kEntryFormatVersion;
      if (appended < v1_until) version = MinFormatVersion(e);
      std::string payload = appended % 50 == 49 ? std::string("junk") : EncodeEntry(e, version);
      log.push_back(LogRecord{pos, last, payload});
      expected[pos] = appended % 50 == 49 ? MOutcome{Code::kRejected, {}} : model.Apply(e, pos);
      w.Landed(e, pos);
      recent_versions[pos] = pos;
      last = pos;
      ++appended;
      if (faults && !e.idempotency_key.empty() && appended % 50 != 0 && fault_rng.Pct(30)) {
        // The append timed out after it succeeded: the client retries it
        // with the same key, and the retry must answer the first outcome.
        Position retry{last.ms + 1, 0};
        log.push_back(LogRecord{retry, last, payload});
        expected[retry] = model.Apply(e, retry);
        EXPECT_EQ(CodeName(expected[retry].code), CodeName(expected[pos].code));
        last = retry;
        ++appended;
        ++g_timed_out_appends;
      }
    } else {
      auto& r = replicas[w.Pick(replicas.size())];
      r.Step(log, 1 + w.Pick(8), w.Pct(10), faults ? &fault_rng : nullptr);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  for (auto& r : replicas) {
    while (r.state.applied < last) {
      r.Step(log, 64, false, faults ? &fault_rng : nullptr);
      if (::testing::Test::HasFatalFailure()) return;
    }
    g_fault_totals.redelivered += r.faults.redelivered;
    g_fault_totals.partial_reads += r.faults.partial_reads;
    g_fault_totals.failed_commits += r.faults.failed_commits;
    g_fault_totals.power_cuts += r.faults.power_cuts;
    g_fault_totals.commits_dropped += r.faults.commits_dropped;
  }
  const auto& uc = model.upload_counts();
  g_upload_totals.created += uc.created;
  g_upload_totals.staged += uc.staged;
  g_upload_totals.sealed += uc.sealed;
  g_upload_totals.committed += uc.committed;
  g_upload_totals.aborted += uc.aborted;
  g_upload_totals.expired += uc.expired;
  g_upload_totals.copied += uc.copied;
  g_upload_totals.etags += uc.etags;
  g_upload_totals.commit_checksums += uc.commit_checksums;
  g_upload_totals.setattrs += uc.setattrs;
  g_upload_totals.symlinks += uc.symlinks;
  auto model_dump = model.Dump();
  for (size_t i = 0; i < replicas.size(); ++i) {
    SCOPED_TRACE("replica " + std::to_string(i));
    EXPECT_EQ(replicas[i].store.data(), replicas[0].store.data());
    EXPECT_EQ(replicas[i].state.digest, replicas[0].state.digest);
    EXPECT_EQ(replicas[i].Dump(), model_dump);
    EXPECT_EQ(replicas[i].state.entries, log.size());
    auto usage = LoadUsage(replicas[i].store);
    ASSERT_TRUE(usage.ok());
    EXPECT_EQ(usage->files, model.Totals().files);
    EXPECT_EQ(usage->bytes, model.Totals().bytes);
    EXPECT_EQ(testing::CheckUploadRecords(replicas[i].store), "");
    EXPECT_EQ(testing::OpenUploads(replicas[i].store, last.ms), model.OpenUploads(last.ms));
  }
  for (const auto& [pos, want] : expected) {
    // A replica that crashed re-applied some entries; it still holds one
    // outcome per position, which must be the model's.
    const Outcome& got = replicas[0].outcomes.at(pos);
    ASSERT_EQ(OutcomeCodeName(got.code), CodeName(want.code))
        << "entry at " << pos.ToString() << ": " << got.message << "\n  "
        << Describe(std::find_if(log.begin(), log.end(), [&](const LogRecord& r) {
                      return r.pos == pos;
                    })->payload);
    if (got.ok()) {
      std::vector<uint64_t> offsets;
      for (const auto& r : got.results) {
        if (r.offset) offsets.push_back(*r.offset);
      }
      EXPECT_EQ(offsets, want.offsets) << "entry at " << pos.ToString();
    }
  }
  ExpectChangeEvents(replicas[0], log);
}

void RunSeeds(bool faults) {
  if (g_only_seed != 0) {
    RunSeed(g_only_seed, faults);
    return;
  }
  for (uint64_t seed = 1; seed <= g_seed_count; ++seed) {
    RunSeed(seed, faults);
    if (::testing::Test::HasFailure()) {
      std::printf("simulation failed at seed %llu; replay with: sim_test --seed=%llu%s\n",
                  static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed),
                  faults ? " --gtest_filter=*Faulty*" : "");
      return;
    }
  }
}

TEST(SimulationTest, ReplicasAgreeWithEachOtherAndTheModel) {
  g_upload_totals = {};
  g_change_events = 0;
  RunSeeds(false);
  std::printf("change events: %llu, one per applied op that changed a path\n",
              static_cast<unsigned long long>(g_change_events));
  EXPECT_GT(g_change_events, 0u);
  const auto& u = g_upload_totals;
  std::printf(
      "uploads: %llu created, %llu chunks staged, %llu parts sealed, %llu committed, %llu "
      "aborted, %llu expired; %llu copies, %llu puts with an ETag, %llu commits adding checksums; "
      "%llu setattrs, %llu symlinks\n",
      static_cast<unsigned long long>(u.created), static_cast<unsigned long long>(u.staged),
      static_cast<unsigned long long>(u.sealed), static_cast<unsigned long long>(u.committed),
      static_cast<unsigned long long>(u.aborted), static_cast<unsigned long long>(u.expired),
      static_cast<unsigned long long>(u.copied), static_cast<unsigned long long>(u.etags),
      static_cast<unsigned long long>(u.commit_checksums),
      static_cast<unsigned long long>(u.setattrs), static_cast<unsigned long long>(u.symlinks));
  // The workload reaches every upload op's success, not only its refusals.
  EXPECT_GT(u.committed, 0u);
  EXPECT_GT(u.sealed, 0u);
  EXPECT_GT(u.aborted, 0u);
  EXPECT_GT(u.expired, 0u);
  EXPECT_GT(u.copied, 0u);
  EXPECT_GT(u.etags, 0u);
  EXPECT_GT(u.commit_checksums, 0u);
  EXPECT_GT(u.setattrs, 0u);
  EXPECT_GT(u.symlinks, 0u);
}

// Volumes (scale-out.md): the namespace split over three logs, root (/),
// dv (/d) and xv (/x). Each entry goes to the log of its first path's
// volume; one that names a path of another volume is refused before any log
// (cross_volume), as the front end does (volume/entry_scope.h). Each
// volume's replicas apply their own log alone, with restarts, and must equal
// each other and that volume's model, and no volume's store may hold a path
// of another.
void RunVolumesSeed(uint64_t seed, uint64_t* refused, std::map<std::string, uint64_t>* landed) {
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (replay: sim_test --seed=" + std::to_string(seed) + " --gtest_filter=*Volumes*)");
  auto map = VolumeMap::Parse("redis://h:1?stream=root",
                              {"dv=/d@redis://h:1?stream=dv", "xv=/x@redis://h:2?stream=xv"});
  ASSERT_TRUE(map.ok());
  struct SimVolume {
    Model model;
    std::vector<LogRecord> log;
    std::map<Position, MOutcome> expected;
    std::map<Position, Position> versions;
    std::vector<SimReplica> replicas = std::vector<SimReplica>(2);
    Position last{1000, 0};
  };
  std::map<std::string, SimVolume> volumes;
  for (const auto& v : map->volumes()) volumes[v.name];
  Workload w(seed + 1'000'000);
  Model any;  // the workload's view: what it may name
  std::map<Position, Position> no_versions;
  for (int i = 0; i < 400; ++i) {
    if (w.Pct(60)) {
      Entry e = w.Next(any, no_versions);
      const std::string& name = VolumeOfEntry(*map, e).name;
      if (!EntryInVolume(*map, name, e).ok()) {
        ++*refused;
        continue;
      }
      SimVolume& v = volumes[name];
      Position pos{v.last.ms + 1 + w.Pick(3), 0};
      std::string payload = EncodeEntry(e);
      v.log.push_back(LogRecord{pos, v.log.empty() ? Position{} : v.last, payload});
      v.expected[pos] = v.model.Apply(e, pos);
      w.Landed(e, pos);
      v.last = pos;
      ++(*landed)[name];
    } else {
      auto it = volumes.begin();
      std::advance(it, w.Pick(volumes.size()));
      SimVolume& v = it->second;
      v.replicas[w.Pick(2)].Step(v.log, 1 + w.Pick(8), w.Pct(10));
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  for (auto& [name, v] : volumes) {
    SCOPED_TRACE("volume " + name);
    auto want = v.model.Dump();
    for (auto& r : v.replicas) {
      while (!v.log.empty() && r.state.applied < v.log.back().pos) {
        r.Step(v.log, 64, false);
        if (::testing::Test::HasFatalFailure()) return;
      }
      EXPECT_EQ(r.store.data(), v.replicas[0].store.data());
      EXPECT_EQ(r.state.digest, v.replicas[0].state.digest);
      EXPECT_EQ(r.Dump(), want);
    }
    for (const auto& [path, _] : want) {
      EXPECT_EQ(map->Of(path).name, name) << path << " is in the store of volume " << name;
    }
    for (const auto& [pos, m] : v.expected) {
      EXPECT_EQ(OutcomeCodeName(v.replicas[0].outcomes.at(pos).code), CodeName(m.code))
          << "entry at " << pos.ToString();
    }
  }
}

TEST(SimulationTest, VolumesSplitTheNamespaceIntoIndependentLogs) {
  uint64_t refused = 0;
  std::map<std::string, uint64_t> landed;
  uint64_t first = g_only_seed != 0 ? g_only_seed : 1;
  uint64_t last = g_only_seed != 0 ? g_only_seed : std::min<uint64_t>(g_seed_count, 200);
  for (uint64_t seed = first; seed <= last && !::testing::Test::HasFailure(); ++seed) {
    RunVolumesSeed(seed, &refused, &landed);
  }
  std::printf(
      "volumes: %llu entries refused as cross_volume; root %llu, dv %llu, xv %llu\n",
      static_cast<unsigned long long>(refused), static_cast<unsigned long long>(landed["root"]),
      static_cast<unsigned long long>(landed["dv"]), static_cast<unsigned long long>(landed["xv"]));
  // The workload reaches the refusal and every volume, not only one.
  EXPECT_GT(refused, 0u);
  EXPECT_GT(landed["root"], 0u);
  EXPECT_GT(landed["dv"], 0u);
  EXPECT_GT(landed["xv"], 0u);
}

TEST(SimulationTest, FaultyLogAndStoreChangeNothing) {
  g_fault_totals = {};
  g_timed_out_appends = 0;
  RunSeeds(true);
  const FaultCounts& f = g_fault_totals;
  std::printf(
      "simulation with faults: %llu seeds; records delivered again %llu, partial reads %llu, "
      "appends "
      "timed out after success and retried %llu, failed commits %llu, power cuts %llu dropping "
      "%llu "
      "unsynced commits; replicas identical and equal to the model\n",
      static_cast<unsigned long long>(g_only_seed != 0 ? 1 : g_seed_count),
      static_cast<unsigned long long>(f.redelivered),
      static_cast<unsigned long long>(f.partial_reads),
      static_cast<unsigned long long>(g_timed_out_appends),
      static_cast<unsigned long long>(f.failed_commits),
      static_cast<unsigned long long>(f.power_cuts),
      static_cast<unsigned long long>(f.commits_dropped));
  if (g_only_seed == 0) {
    EXPECT_GT(f.redelivered, 0u);
    EXPECT_GT(f.power_cuts, 0u);
    EXPECT_GT(f.commits_dropped, 0u);
    EXPECT_GT(f.failed_commits, 0u);
    EXPECT_GT(g_timed_out_appends, 0u);
  }
}

}  // namespace
}  // namespace walfs

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--seed=", 0) == 0) walfs::g_only_seed = std::strtoull(a.c_str() + 7, nullptr, 10);
    if (a == "--seed" && i + 1 < argc) walfs::g_only_seed = std::strtoull(argv[++i], nullptr, 10);
  }
  if (const char* n = std::getenv("WALFS_SIM_SEEDS"))
    walfs::g_seed_count = std::strtoull(n, nullptr, 10);
  return RUN_ALL_TESTS();
}
