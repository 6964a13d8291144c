// The simulations' reference model and workload.
//
// Model: a plain map of paths to nodes, written from the contract, not from
// the state machine's code; it applies entries in log order and says what
// each one's outcome must be. Workload: a seeded generator of entries of
// every op, condition, transaction and idempotency key (retries included).
#pragma once

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "codec/entry.h"
#include "core/path.h"
#include "core/status.h"
#include "schema/fs_view.h"
#include "schema/schema.h"

namespace walfs::testing {

// ---------------------------------------------------------------- the model
// A plain map of paths to nodes, written from the contract, not from the
// state machine's code.
struct MNode {
  bool dir = false;
  std::string data;
  Position version;
};
struct MOutcome {
  Code code = Code::kOk;
  std::vector<uint64_t> offsets;  // per append/write op
};

class Model {
 public:
  Model() { nodes_["/"] = MNode{true, "", {}}; }

  MOutcome Apply(const Entry& e, Position pos) {
    if (!e.idempotency_key.empty()) {
      Entry body = e;
      body.idempotency_key.clear();
      std::string fp = EncodeEntry(body);
      auto it = idem_.find(e.idempotency_key);
      if (it != idem_.end()) {
        if (it->second.first != fp) return MOutcome{Code::kIdempotencyKeyReused, {}};
        return it->second.second;
      }
      MOutcome o = ApplyTx(e, pos);
      idem_[e.idempotency_key] = {fp, o};
      return o;
    }
    return ApplyTx(e, pos);
  }

  Usage Totals() const {
    Usage u;
    for (const auto& [p, n] : nodes_) {
      if (n.dir) continue;
      ++u.files;
      u.bytes += n.data.size();
    }
    return u;
  }

  // path -> "d" or "f:<version>:<data>"
  std::map<std::string, std::string> Dump() const {
    std::map<std::string, std::string> out;
    for (const auto& [p, n] : nodes_) {
      if (p == "/") continue;
      out[p] = (n.dir ? "d:" : "f:") + n.version.ToString() + ":" + n.data;
    }
    return out;
  }

 private:
  enum class Look { kMissing, kFile, kDir, kNotDir };
  Look Lookup(const std::string& p) const {
    auto comps = PathComponents(p);
    std::string cur;
    for (size_t i = 0; i < comps.size(); ++i) {
      cur += "/" + std::string(comps[i]);
      auto it = nodes_.find(cur);
      if (it == nodes_.end()) return Look::kMissing;
      if (!it->second.dir && i + 1 < comps.size()) return Look::kNotDir;
    }
    if (p == "/") return Look::kDir;
    return nodes_.at(p).dir ? Look::kDir : Look::kFile;
  }
  bool HasChildren(const std::string& p) const {
    std::string pre = p == "/" ? "/" : p + "/";
    auto it = nodes_.upper_bound(pre);
    return it != nodes_.end() && it->first.compare(0, pre.size(), pre) == 0;
  }
  // A directory's version is the last entry that created it or added,
  // removed or renamed one of its children (like a POSIX mtime).
  void Touch(const std::string& child, Position pos) {
    nodes_[std::string(ParentPath(child))].version = pos;
  }
  void MakeParents(const std::string& p, Position pos) {
    std::string parent(ParentPath(p));
    if (parent == "/" || nodes_.count(parent)) return;
    MakeParents(parent, pos);
    nodes_[parent] = MNode{true, "", pos};
    Touch(parent, pos);
  }
  void RemoveTree(const std::string& p) {
    std::string pre = p + "/";
    for (auto it = nodes_.lower_bound(pre);
         it != nodes_.end() && it->first.compare(0, pre.size(), pre) == 0;) {
      it = nodes_.erase(it);
    }
    nodes_.erase(p);
  }

  Code Cond(const Condition& c) {
    auto p = NormalizePath(c.path);
    if (!p.ok()) return Code::kInvalidPath;
    Look l = Lookup(*p);
    if (l == Look::kNotDir) return Code::kPreconditionFailed;
    bool exists = l == Look::kFile || l == Look::kDir;
    bool ok = false;
    switch (c.type) {
      case CondType::kExists:
        ok = exists == c.exists;
        break;
      case CondType::kVersion:
        ok = exists && VersionOf(*p) == c.version;
        break;
      case CondType::kSize:
        ok = l != Look::kDir && (exists ? nodes_[*p].data.size() : 0) == c.size;
        break;
      case CondType::kVersionIn:
        ok = exists &&
             std::find(c.versions.begin(), c.versions.end(), VersionOf(*p)) != c.versions.end();
        break;
    }
    return ok ? Code::kOk : Code::kPreconditionFailed;
  }
  Position VersionOf(const std::string& p) { return nodes_[p].version; }

  Code Op1(const Op& op, Position pos, MOutcome* o) {
    auto pr = NormalizePath(op.path);
    if (!pr.ok()) return Code::kInvalidPath;
    const std::string p = *pr;
    switch (op.type) {
      case OpType::kPut:
      case OpType::kAppend:
      case OpType::kWrite: {
        Look l = Lookup(p);
        if (l == Look::kNotDir) return Code::kNotADirectory;
        if (l == Look::kDir) return Code::kIsADirectory;
        if (l == Look::kMissing) {
          MakeParents(p, pos);
          nodes_[p] = MNode{};
          Touch(p, pos);
        }
        MNode& n = nodes_[p];
        if (op.type == OpType::kPut) n.data = op.data;
        uint64_t off = op.type == OpType::kAppend ? n.data.size() : op.offset;
        if (op.type != OpType::kPut) {
          if (n.data.size() < off + op.data.size()) n.data.resize(off + op.data.size(), '\0');
          n.data.replace(off, op.data.size(), op.data);
          o->offsets.push_back(off);
        }
        n.version = pos;
        return Code::kOk;
      }
      case OpType::kTruncate: {
        Look l = Lookup(p);
        if (l == Look::kNotDir) return Code::kNotADirectory;
        if (l == Look::kMissing) return Code::kNotFound;
        if (l == Look::kDir) return Code::kIsADirectory;
        nodes_[p].data.resize(op.size, '\0');
        nodes_[p].version = pos;
        return Code::kOk;
      }
      case OpType::kMkdir: {
        Look l = Lookup(p);
        if (l == Look::kNotDir) return Code::kNotADirectory;
        if (l == Look::kFile) return Code::kAlreadyExists;
        if (l == Look::kMissing) {
          MakeParents(p, pos);
          nodes_[p] = MNode{true, "", pos};
          Touch(p, pos);
        }
        return Code::kOk;
      }
      case OpType::kDelete: {
        if (p == "/") return Code::kBadRequest;
        Look l = Lookup(p);
        if (l == Look::kNotDir) return Code::kNotADirectory;
        if (l == Look::kMissing) return Code::kNotFound;
        if (l == Look::kDir && !op.recursive && HasChildren(p)) return Code::kNotEmpty;
        RemoveTree(p);
        Touch(p, pos);
        return Code::kOk;
      }
      case OpType::kRename:
        return Rename(p, op, pos);
    }
    return Code::kInternal;
  }

  Code Rename(const std::string& p, const Op& op, Position pos) {
    auto tr = NormalizePath(op.to);
    if (!tr.ok()) return Code::kInvalidPath;
    const std::string to = *tr;
    if (p == "/" || to == "/") return Code::kBadRequest;
    Look s = Lookup(p);
    if (s == Look::kNotDir) return Code::kNotADirectory;
    if (s == Look::kMissing) return Code::kNotFound;
    if (to == p) return Code::kOk;
    if (s == Look::kDir && IsSameOrBeneath(to, p)) return Code::kBadRequest;
    Look d = Lookup(to);
    if (d == Look::kNotDir) return Code::kNotADirectory;
    if (d == Look::kDir || (d == Look::kFile && s == Look::kDir)) return Code::kAlreadyExists;
    if (d == Look::kFile && !op.overwrite) return Code::kAlreadyExists;
    std::map<std::string, MNode> moved;
    std::string pre = p + "/";
    for (const auto& [k, v] : nodes_) {
      if (k == p) {
        moved[to] = v;
      } else if (k.compare(0, pre.size(), pre) == 0) {
        moved[to + k.substr(p.size())] = v;
      }
    }
    RemoveTree(p);
    Touch(p, pos);
    if (d == Look::kFile) nodes_.erase(to);
    MakeParents(to, pos);
    for (auto& [k, v] : moved) nodes_[k] = v;
    Touch(to, pos);
    return Code::kOk;
  }

  MOutcome ApplyTx(const Entry& e, Position pos) {
    auto saved = nodes_;
    MOutcome o;
    for (const auto& c : e.conditions) {
      o.code = Cond(c);
      if (o.code != Code::kOk) return MOutcome{o.code, {}};
    }
    for (const auto& op : e.ops) {
      o.code = Op1(op, pos, &o);
      if (o.code != Code::kOk) {
        nodes_ = std::move(saved);
        return MOutcome{o.code, {}};
      }
    }
    return o;
  }

  std::map<std::string, MNode> nodes_;
  std::map<std::string, std::pair<std::string, MOutcome>> idem_;
};

// ----------------------------------------------------------- the workload
class Workload {
 public:
  explicit Workload(uint64_t seed) : rng_(seed) {}

  Entry Next(const Model& m, const std::map<Position, Position>& versions) {
    if (!used_.empty() && Pct(8)) {
      Entry e = used_[Pick(used_.size())];  // a retry: same key, same request
      if (Pct(30)) e.ops = {RandomOp()};    // or the same key for another request
      return e;
    }
    Entry e;
    int n = Pct(20) ? 2 + static_cast<int>(Pick(3)) : 1;
    for (int i = 0; i < n; ++i) e.ops.push_back(RandomOp());
    if (Pct(25)) e.conditions.push_back(RandomCondition(versions));
    if (Pct(15)) {
      e.idempotency_key = "k" + std::to_string(Pick(20));
      used_.push_back(e);
    }
    return e;
  }

  bool Pct(int p) { return static_cast<int>(rng_() % 100) < p; }
  uint64_t Pick(uint64_t n) { return rng_() % n; }

 private:
  std::string Path() {
    static const char* kPaths[] = {"/a",   "/b",     "/d",   "/d/a", "/d/b",
                                   "/d/e", "/d/e/a", "/x/y", "/x",   "/d/a/z"};
    if (Pct(2)) return "/d/../a";
    return kPaths[Pick(std::size(kPaths))];
  }
  std::string Data() {
    std::string s(Pick(30), '\0');
    for (auto& c : s) c = static_cast<char>('a' + Pick(26));
    return s;
  }
  Op RandomOp() {
    switch (Pick(10)) {
      case 0:
      case 1:
        return Op::Put(Path(), Data());
      case 2:
      case 3:
      case 4:
        return Op::Append(Path(), Data());
      case 5:
        return Op::Write(Path(), Pick(40), Data());
      case 6:
        return Op::Truncate(Path(), Pick(40));
      case 7:
        return Op::Mkdir(Path());
      case 8:
        return Op::Delete(Path(), Pct(50));
      default:
        return Op::Rename(Path(), Path(), Pct(50));
    }
  }
  Position RandomVersion(const std::map<Position, Position>& versions) {
    if (versions.empty()) return Position{};
    auto it = versions.begin();
    std::advance(it, static_cast<long>(Pick(versions.size())));
    return it->first;
  }
  Condition RandomCondition(const std::map<Position, Position>& versions) {
    switch (Pick(4)) {
      case 0:
        return Condition::Exists(Path(), Pct(50));
      case 1:
        return Condition::Size(Path(), Pick(20));
      case 2: {  // If-Match with several ETags
        std::vector<Position> vs;
        for (uint64_t i = 0, n = 1 + Pick(3); i < n; ++i) vs.push_back(RandomVersion(versions));
        return Condition::VersionIn(Path(), vs);
      }
      default:
        return Condition::Version(Path(), RandomVersion(versions));
    }
  }
  std::mt19937_64 rng_;
  std::vector<Entry> used_;
};

// A store's namespace in the model's Dump form: path -> "d:" or "f:",
// version, ":", content.
inline std::map<std::string, std::string> DumpNamespace(const StoreReader& store,
                                                        uint32_t block_bytes) {
  std::map<std::string, std::string> out;
  FsView v(&store, block_bytes);
  std::vector<DirEntry> es;
  bool more = false;
  if (!v.ListRecursive(kRootInode, "", 1u << 30, &es, &more).ok()) return {{"<error>", "listing"}};
  for (const auto& e : es) {
    std::string data;
    if (!e.node.is_dir() && !v.Read(e.node, 0, e.node.inode.size, &data).ok()) data = "<error>";
    out["/" + e.name] =
        (e.node.is_dir() ? "d:" : "f:") + e.node.inode.version.ToString() + ":" + data;
  }
  return out;
}

}  // namespace walfs::testing
