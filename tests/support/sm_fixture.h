// A state machine over an in-memory store, with verb helpers so that each
// test reads like a sentence: Put("/a", "x"), then Cat("/a").
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec/entry.h"
#include "schema/fs_view.h"
#include "sm/state_machine.h"

namespace walfs::testing {

class SmFixture {
 public:
  explicit SmFixture(uint32_t block_bytes = 8) : bs_(block_bytes) {
    Overlay init(&store_);
    Status st = InitStore(store_, &init, bs_);
    (void)st;
    store_.Apply(init);
  }

  // Applies one entry as the next log position (log time advances by ms_step).
  Outcome Apply(const Entry& e) { return ApplyPayload(EncodeEntry(e)); }
  Outcome ApplyPayload(const std::string& payload) {
    pos_ = Position{pos_.ms + ms_step_, 0};
    Overlay batch(&store_);
    LogRecord rec{pos_, state_.applied, payload};
    auto r = ApplyBatch(state_, &batch, bs_, std::span<const LogRecord>(&rec, 1));
    if (!r.stop.ok() || r.outcomes.size() != 1) {
      Outcome bad;
      ADD_FAILURE() << "the applier would stop: " << r.stop.ToString();
      bad.code = OutcomeCode::kRejected;
      bad.message = r.stop.ToString();
      return bad;
    }
    store_.Apply(batch);
    state_ = r.state;
    return r.outcomes[0].second;
  }
  Outcome One(Op op) {
    Entry e;
    e.ops.push_back(std::move(op));
    return Apply(e);
  }
  Outcome Put(std::string p, std::string d) { return One(Op::Put(std::move(p), std::move(d))); }
  Outcome Append(std::string p, std::string d) {
    return One(Op::Append(std::move(p), std::move(d)));
  }
  Outcome Write(std::string p, uint64_t off, std::string d) {
    return One(Op::Write(std::move(p), off, std::move(d)));
  }
  Outcome Truncate(std::string p, uint64_t n) { return One(Op::Truncate(std::move(p), n)); }
  Outcome Mkdir(std::string p) { return One(Op::Mkdir(std::move(p))); }
  Outcome Rm(std::string p, bool recursive = false) {
    return One(Op::Delete(std::move(p), recursive));
  }
  Outcome Mv(std::string a, std::string b, bool overwrite = false) {
    return One(Op::Rename(std::move(a), std::move(b), overwrite));
  }

  FsView View() const { return FsView(&store_, bs_); }
  // The metadata of the file at path (empty if none or no file).
  FileMeta MetaOf(const std::string& path) const {
    auto n = View().Lookup(path);
    if (!n.ok() || !n->has_value()) return {};
    auto m = View().LoadMeta(**n);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : FileMeta{};
  }
  // The file's bytes, or "<missing>" / "<dir>".
  std::string Cat(const std::string& path) const {
    auto n = View().Lookup(path);
    if (!n.ok() || !n->has_value()) return "<missing>";
    if ((*n)->is_dir()) return "<dir>";
    std::string out;
    Status st = View().Read(**n, 0, (*n)->inode.size, &out);
    return st.ok() ? out : "<error>";
  }
  std::vector<std::string> Ls(const std::string& path) const {
    std::vector<std::string> names;
    auto n = View().Lookup(path);
    if (!n.ok() || !n->has_value()) return names;
    std::vector<DirEntry> es;
    bool more;
    Status st = View().List((*n)->ino, "", 100000, &es, &more);
    for (auto& e : es) names.push_back(e.name + (e.node.is_dir() ? "/" : ""));
    return names;
  }
  std::optional<Node> Stat(const std::string& path) const {
    auto n = View().Lookup(path);
    return n.ok() ? *n : std::nullopt;
  }

  const ApplyState& state() const { return state_; }
  MemStore& store() { return store_; }
  Position applied() const { return state_.applied; }
  void set_ms_step(uint64_t ms) { ms_step_ = ms; }

 private:
  uint32_t bs_;
  MemStore store_;
  ApplyState state_{{}, std::string(16, '\0')};
  Position pos_{1000, 0};
  uint64_t ms_step_ = 1;
};

}  // namespace walfs::testing
