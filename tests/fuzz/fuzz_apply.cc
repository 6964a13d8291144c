// libFuzzer target: the state machine. The input is read as a sequence of
// small ops on a tiny namespace (so that they collide), each encoded as an
// entry and applied over an in-memory store; occasionally raw bytes are
// applied instead. Nothing may crash, every entry must produce an outcome,
// and the store's file and byte totals must match its files.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "codec/entry.h"
#include "schema/fs_view.h"
#include "sm/state_machine.h"

namespace {

struct Input {
  const uint8_t* p;
  size_t n;
  uint8_t Byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::string Path() {
    static const char* kPaths[] = {"/a",     "/b", "/a/b",    "/a/c", "/d",
                                   "/d/e/f", "/",  "/a/../b", "//x"};
    return kPaths[Byte() % 9];
  }
  std::string Data() {
    std::string s(Byte() % 40, 'x');
    for (auto& c : s) c = static_cast<char>(Byte());
    return s;
  }
  // Metadata from the input: mostly valid, sometimes not.
  walfs::FileMeta Meta() {
    walfs::FileMeta m;
    static const char* kNames[] = {"content-type", "x-amz-meta-a", "x-amz-meta-b", "host"};
    for (uint8_t i = 0, n = Byte() % 3; i < n; ++i)
      m.headers.emplace_back(kNames[Byte() % 4], Data());
    if (Byte() % 4 == 0) m.etag = std::string(32, 'a');
    return m;
  }
  walfs::Op Op() {
    switch (Byte() % 8) {
      case 0: {
        walfs::Op put = walfs::Op::Put(Path(), Data());
        put.meta = Meta();
        return put;
      }
      case 6:
        return walfs::Op::Copy(Path(), Path(), Byte() & 1, Meta());
      case 1:
        return walfs::Op::Append(Path(), Data());
      case 2:
        return walfs::Op::Write(Path(), Byte() * 7u, Data());
      case 3:
        return walfs::Op::Truncate(Path(), Byte() * 5u);
      case 4:
        return walfs::Op::Rename(Path(), Path(), Byte() & 1);
      case 5:
        return walfs::Op::Delete(Path(), Byte() & 1);
      default:
        return walfs::Op::Mkdir(Path());
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace walfs;
  MemStore store;
  Overlay init(&store);
  if (!InitStore(store, &init, 8).ok()) std::abort();
  store.Apply(init);
  ApplyState st = *LoadApplyState(store);
  Input in{data, size};
  for (uint64_t i = 1; in.n > 0 && i < 64; ++i) {
    std::string payload;
    if (in.Byte() % 16 == 0) {
      payload = in.Data();
    } else {
      Entry e;
      int ops = 1 + in.Byte() % 3;
      for (int k = 0; k < ops; ++k) e.ops.push_back(in.Op());
      if (in.Byte() % 4 == 0) e.conditions.push_back(Condition::Size(in.Path(), in.Byte() % 8));
      if (in.Byte() % 4 == 0) e.idempotency_key = "k" + std::to_string(in.Byte() % 3);
      payload = EncodeEntry(e);
    }
    LogRecord rec{{1000 + i, 0}, st.applied, payload};
    Overlay batch(&store, true);
    auto r = ApplyBatch(st, &batch, 8, std::span<const LogRecord>(&rec, 1));
    if (!r.stop.ok() || r.outcomes.size() != 1) std::abort();
    store.Apply(batch);
    st = r.state;
  }
  FsView v(&store, 8);
  std::vector<DirEntry> all;
  bool more;
  if (!v.ListRecursive(kRootInode, "", 1 << 20, &all, &more).ok()) std::abort();
  uint64_t files = 0, bytes = 0;
  for (const auto& e : all) {
    if (e.node.is_dir()) continue;
    ++files;
    bytes += e.node.inode.size;
  }
  auto u = LoadUsage(store);
  if (!u.ok() || u->files != files || u->bytes != bytes) std::abort();
  return 0;
}
