#include "faults/history.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "core/hash.h"

namespace walfs::testing {

using Clock = std::chrono::steady_clock;

namespace {

std::string FilePath(int i) { return "/history/f" + std::to_string(i); }

std::optional<Position> AnswerPosition(const ClientResponse& r) {
  return Position::Parse(r.header("x-walfs-position"));
}

}  // namespace

History::History(std::vector<std::string> urls, HistoryOptions opts)
    : urls_(std::move(urls)), opts_(opts) {}

History::~History() { Stop(); }

void History::Start() {
  for (int t = 0; t < opts_.writers; ++t) threads_.emplace_back([this, t] { Writer(t); });
  for (int t = 0; t < opts_.readers; ++t) threads_.emplace_back([this, t] { Reader(t); });
  for (int t = 0; t < opts_.mixers; ++t) threads_.emplace_back([this, t] { Mixer(t); });
}

void History::Stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

uint64_t History::acked() {
  std::lock_guard lock(mu_);
  return static_cast<uint64_t>(
      std::count_if(ops_.begin(), ops_.end(), [](const Op& o) { return o.append && o.ok; }));
}

void History::Record(Op op) {
  std::lock_guard lock(mu_);
  if (op.append && op.ok) last_acked_ = std::max(last_acked_, op.position);
  ops_.push_back(std::move(op));
}

void History::Writer(int t) {
  HttpClient h(urls_[t % urls_.size()], opts_.request_timeout_ms);
  for (uint64_t i = 0; !stop_; ++i) {
    Op op;
    op.path = FilePath(t % opts_.files);
    char rec[17];
    std::snprintf(rec, sizeof rec, "w%02d-%011llu\n", t, static_cast<unsigned long long>(i));
    op.record = rec;
    std::map<std::string, std::string> headers;
    if (opts_.idempotent) headers["Idempotency-Key"] = "history-" + std::string(rec, 15);
    op.invoked = Clock::now();
    // Without a key, one attempt: a failure leaves the record unacknowledged
    // (it may or may not be applied). With a key, retry until answered.
    for (;;) {
      ++op.attempts;
      auto r = h.Request("POST", "/v1/fs" + op.path + "?op=append", op.record, headers);
      if (r.ok() && r->status == 200) {
        json j = Json(*r);
        auto p = AnswerPosition(*r);
        op.ok = p.has_value() && j.contains("offset");
        if (op.ok) {
          op.position = *p;
          op.offset = j["offset"].get<uint64_t>();
        }
        break;
      }
      bool retriable = !r.ok() || r->status == 503 || r->status == 504;
      // Retried even after Stop: a keyed append is retried until answered
      // (bounded, for a cluster that never answers again).
      if (!opts_.idempotent || !retriable || op.attempts >= 2000) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // back off, then retry
    }
    op.completed = Clock::now();
    if (!op.ok)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the replica may be down
    Record(std::move(op));
  }
}

void History::Reader(int t) {
  std::mt19937 rng(static_cast<uint32_t>(7919 * (t + 1)));
  size_t next_url = static_cast<size_t>(t);
  while (!stop_) {
    HttpClient h(urls_[next_url++ % urls_.size()], opts_.request_timeout_ms);
    Op op;
    op.append = false;
    op.path = FilePath(static_cast<int>(rng() % static_cast<uint32_t>(opts_.files)));
    op.strong = rng() % 2 == 0;
    std::string target =
        "/v1/fs" + op.path + "?timeout_ms=" + std::to_string(opts_.request_timeout_ms);
    if (op.strong) {
      target += "&consistency=strong";
    } else {
      std::lock_guard lock(mu_);
      op.min_position = last_acked_;
      target += "&min_position=" + op.min_position.ToString();
    }
    op.invoked = Clock::now();
    auto r = h.Get(target);
    op.completed = Clock::now();
    if (r.ok() && (r->status == 200 || r->status == 404)) {
      auto p = AnswerPosition(*r);
      op.ok = p.has_value();
      if (op.ok) op.position = *p;
      std::string_view body = r->status == 200 ? std::string_view(r->body) : std::string_view();
      op.length = body.size();  // a file not there yet reads as empty
      op.hash = Checksum64(body);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Record(std::move(op));
  }
}

void History::Mixer(int t) {
  std::mt19937 rng(static_cast<uint32_t>(104729 * (t + 1)));
  HttpClient h(urls_[static_cast<size_t>(t) % urls_.size()], opts_.request_timeout_ms);
  auto path = [&] {
    return "/mixed/d" + std::to_string(rng() % 3) + "/f" + std::to_string(rng() % 4);
  };
  while (!stop_) {
    std::string p = path(), body(rng() % 64, static_cast<char>('a' + rng() % 26));
    Result<ClientResponse> r = Status(Code::kInternal, "no request");
    switch (rng() % 8) {
      case 0:
        r = h.Request("PUT", "/v1/fs" + p, body);
        break;
      case 1:
        r = h.Request("POST", "/v1/fs" + p + "?op=write&offset=" + std::to_string(rng() % 100),
                      body);
        break;
      case 2:
        r = h.Request("POST", "/v1/fs" + p + "?op=truncate&size=" + std::to_string(rng() % 100));
        break;
      case 3:
        r = h.Request("POST", "/v1/fs" + p + "?op=rename&overwrite=true&to=" + path());
        break;
      case 4:
        r = h.Request("POST", "/v1/fs/mixed/d" + std::to_string(rng() % 3) +
                                  "?op=rename&to=/mixed/d" + std::to_string(rng() % 3) + "/sub");
        break;
      case 5:
        r = h.Request("DELETE", "/v1/fs/mixed/d" + std::to_string(rng() % 3) + "?recursive=true");
        break;
      case 6:
        r = h.Request("POST", "/v1/fs/mixed/d" + std::to_string(rng() % 3) + "/dir?op=mkdir");
        break;
      default: {
        json tx = {
            {"conditions", json::array({{{"path", p}, {"exists", rng() % 2 == 0}}})},
            {"ops",
             json::array({{{"op", "append"}, {"path", p}, {"data", "eHl6"}},
                          {{"op", "rename"}, {"path", p}, {"to", path()}, {"overwrite", true}}})}};
        r = h.Request("POST", "/v1/tx", tx.dump());
      }
    }
    if (!r.ok() || r->status >= 500) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string Tally::Summary() const {
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "%llu appends acknowledged (%llu retries), %llu unanswered; %llu records present; "
      "%llu acknowledged missing, %llu duplicated, %llu misplaced; %llu reads checked "
      "(%llu failed), %llu read violations; %llu files differing between replicas",
      static_cast<unsigned long long>(appends_acked), static_cast<unsigned long long>(retries),
      static_cast<unsigned long long>(appends_unanswered),
      static_cast<unsigned long long>(records_present), static_cast<unsigned long long>(missing),
      static_cast<unsigned long long>(duplicated), static_cast<unsigned long long>(misplaced),
      static_cast<unsigned long long>(reads_ok), static_cast<unsigned long long>(reads_failed),
      static_cast<unsigned long long>(read_violations),
      static_cast<unsigned long long>(divergent_files));
  return buf;
}

Tally History::Check(const std::vector<std::string>& replica_urls) {
  std::map<std::string, std::string> final_content;
  uint64_t divergent = 0;
  std::vector<std::string> problems;
  for (int f = 0; f < opts_.files; ++f) {
    std::string path = FilePath(f);
    for (size_t i = 0; i < replica_urls.size(); ++i) {
      HttpClient h(replica_urls[i]);
      std::string content = StrongRead(h, path);
      if (i == 0) {
        final_content[path] = content;
      } else if (content != final_content[path]) {
        ++divergent;
        problems.push_back(path + " differs between replica 0 and " + std::to_string(i));
      }
    }
  }
  std::lock_guard lock(mu_);
  Tally t = CheckHistory(ops_, final_content);
  t.divergent_files = divergent;
  t.problems.insert(t.problems.begin(), problems.begin(), problems.end());
  return t;
}

Tally CheckHistory(const std::vector<Op>& ops, const std::map<std::string, std::string>& files) {
  Tally t;
  auto problem = [&](const std::string& what) {
    if (t.problems.size() < 10) t.problems.push_back(what);
  };
  std::map<std::string, std::string> final_content = files;
  // Appends: each acknowledged record at its offset; no record twice.
  std::map<std::string, std::vector<const Op*>> acked;  // per path, by position
  for (const Op& op : ops) {
    if (!op.append) continue;
    t.retries += static_cast<uint64_t>(op.attempts - 1);
    if (!op.ok) {
      ++t.appends_unanswered;
      continue;
    }
    ++t.appends_acked;
    acked[op.path].push_back(&op);
    const std::string& c = final_content[op.path];
    if (op.offset + op.record.size() > c.size()) {
      ++t.missing;
      problem("acknowledged " + op.record.substr(0, 15) + " at " + std::to_string(op.offset) +
              " is past the end");
    } else if (c.compare(op.offset, op.record.size(), op.record) != 0) {
      ++t.misplaced;
      problem("acknowledged " + op.record.substr(0, 15) + " is not at offset " +
              std::to_string(op.offset));
    }
  }
  std::set<std::string> seen;
  for (const auto& [path, c] : final_content) {
    if (c.size() % 16 != 0) problem(path + " has a torn record");
    for (size_t off = 0; off + 16 <= c.size(); off += 16) {
      ++t.records_present;
      if (!seen.insert(path + c.substr(off, 16)).second) {
        ++t.duplicated;
        problem("record " + c.substr(off, 15) + " appears twice in " + path);
      }
    }
  }
  for (auto& [path, v] : acked) {
    std::sort(v.begin(), v.end(),
              [](const Op* a, const Op* b) { return a->position < b->position; });
    for (size_t i = 1; i < v.size(); ++i) {
      if (v[i]->offset <= v[i - 1]->offset) {
        ++t.misplaced;
        problem("appends to " + path + " are not in position order");
      }
    }
  }
  // Reads: a prefix of the final file holding exactly the acknowledged
  // appends at or below the answer's position; barriers respected.
  for (const Op& op : ops) {
    if (op.append) continue;
    if (!op.ok) {
      ++t.reads_failed;
      continue;
    }
    ++t.reads_ok;
    const std::string& c = final_content[op.path];
    bool bad = false;
    if (op.length > c.size() || Checksum64(std::string_view(c).substr(0, op.length)) != op.hash) {
      bad = true;
      problem("a read of " + op.path + " at " + op.position.ToString() +
              " is not a prefix of the final file");
    }
    for (const Op* a : acked[op.path]) {
      bool below = a->position <= op.position, inside = a->offset < op.length;
      if (below != inside) {
        bad = true;
        problem("a read of " + op.path + " at " + op.position.ToString() +
                (below ? " misses " : " sees ") + a->record.substr(0, 15) + " appended at " +
                a->position.ToString());
        break;
      }
    }
    if (!op.strong && op.position < op.min_position) {
      bad = true;
      problem("a read with min_position " + op.min_position.ToString() + " was answered at " +
              op.position.ToString());
    }
    if (op.strong) {
      for (const auto& [path, v] : acked) {
        for (const Op* a : v) {
          if (a->completed < op.invoked && op.position < a->position) {
            bad = true;
            problem("a strong read answered at " + op.position.ToString() + " misses " +
                    a->position.ToString() + " acknowledged before it was sent");
            break;
          }
        }
      }
    }
    t.read_violations += bad;
  }
  return t;
}

void ExpectNoAnomalies(const Tally& t) {
  for (const auto& p : t.problems) ADD_FAILURE() << p;
  EXPECT_EQ(t.missing, 0u);
  EXPECT_EQ(t.duplicated, 0u);
  EXPECT_EQ(t.misplaced, 0u);
  EXPECT_EQ(t.read_violations, 0u);
  EXPECT_EQ(t.divergent_files, 0u);
}

std::vector<std::string> Urls(Cluster& c) {
  std::vector<std::string> out;
  for (size_t i = 0; i < c.size(); ++i) out.push_back(c.node(i).url());
  return out;
}

std::vector<std::string> Urls(const std::vector<ServeProcess*>& nodes) {
  std::vector<std::string> out;
  for (auto* n : nodes) out.push_back(n->url());
  return out;
}

bool Converged(const std::vector<std::string>& replica_urls) {
  json first;
  for (size_t i = 0; i < replica_urls.size(); ++i) {
    HttpClient h(replica_urls[i], 2000);
    auto r = h.Get("/readyz");
    if (!r.ok() || r->status != 200) return false;
    json j = Json(*r);
    if (i == 0) first = j;
    if (j["applied"] != first["applied"] || j["digest"] != first["digest"]) return false;
  }
  return first["applied"] == first["log_last"];
}

}  // namespace walfs::testing
