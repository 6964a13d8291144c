#include "backup/snapshot.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "core/hash.h"
#include "runtime/wall_clock.h"
#include "schema/fs_view.h"
#include "sm/state_machine.h"

namespace walfs {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kRoot = "snapshots/";
constexpr const char* kShared = "snapshots/shared/";

// Table and blob files: immutable once RocksDB wrote them.
bool Shareable(const std::string& name) {
  auto ends = [&](std::string_view suffix) {
    return name.size() > suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends(".sst") || ends(".blob");
}

std::string SafeName(const std::string& s) {
  std::string out;
  for (char c : s)
    out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ? c : '_');
  return out.empty() ? "replica" : out;
}

std::string Hex64(uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

// Reads position, digest, counts and block size from an opened store.
Status Describe(const RocksStore& s, SnapshotManifest* m) {
  auto state = LoadApplyState(s.live());
  if (!state.ok()) return state.status();
  auto usage = LoadUsage(s.live());
  if (!usage.ok()) return usage.status();
  auto bs = LoadBlockBytes(s.live());
  if (!bs.ok()) return bs.status();
  m->position = state->applied;
  m->digest = ToHex(state->digest);
  m->entries = state->entries;
  m->log_bytes = state->log_bytes;
  m->files_stored = usage->files;
  m->bytes_stored = usage->bytes;
  m->block_bytes = *bs;
  return Status::Ok();
}

// Lists the checkpoint's files with their checksums and keys: a table or
// blob file under its content's key in the shared area, the rest under the
// snapshot's own id.
Status ListFiles(const std::string& dir, SnapshotManifest* m) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::error_code fe;
    if (!e.is_regular_file(fe)) continue;
    SnapshotFile f;
    f.name = e.path().filename().string();
    f.size = e.file_size(fe);
    if (fe) return Status(Code::kIoError, "cannot stat " + e.path().string() + ": " + fe.message());
    auto sum = FileChecksum64(e.path().string());
    if (!sum) return Status(Code::kIoError, "cannot read " + e.path().string());
    f.xxh64 = *sum;
    f.key = Shareable(f.name)
                ? kShared + Hex64(f.xxh64) + "-" + std::to_string(f.size) + "-" + f.name
                : kRoot + m->id + "/" + f.name;
    m->total_bytes += f.size;
    m->files.push_back(std::move(f));
  }
  if (ec) return Status(Code::kIoError, "cannot list " + dir + ": " + ec.message());
  std::sort(m->files.begin(), m->files.end(),
            [](const SnapshotFile& a, const SnapshotFile& b) { return a.name < b.name; });
  return Status::Ok();
}

std::string ClaimJson(const SnapshotManifest& m) {
  json keys = json::array();
  for (const auto& f : m.files) keys.push_back(f.key);
  return json{{"keys", keys}}.dump();
}

// Uploads the files the backup store does not have yet.
Status Upload(BackupStore& backup, const std::string& dir, SnapshotManifest* m) {
  auto shared = backup.List(kShared);
  if (!shared.ok()) return shared.status();
  std::map<std::string, uint64_t> have;
  for (const auto& o : *shared) have[o.key] = o.size;
  for (const auto& f : m->files) {
    auto it = have.find(f.key);
    if (it != have.end() && it->second == f.size) continue;  // shared with an earlier snapshot
    WALFS_RETURN_IF_ERROR(backup.PutFile(f.key, dir + "/" + f.name));
    m->uploaded_bytes += f.size;
  }
  return Status::Ok();
}

// Every file must be in the backup store with its size.
Status Verify(BackupStore& backup, const SnapshotManifest& m) {
  std::map<std::string, uint64_t> sizes;
  for (const std::string& prefix : {std::string(kRoot) + m.id + "/", std::string(kShared)}) {
    auto listed = backup.List(prefix);
    if (!listed.ok()) return listed.status();
    for (const auto& o : *listed) sizes[o.key] = o.size;
  }
  for (const auto& f : m.files) {
    auto it = sizes.find(f.key);
    if (it == sizes.end() || it->second != f.size) {
      return Status(Code::kIoError, "snapshot " + m.id + ": " + f.name +
                                        " is missing or short in " + backup.Describe());
    }
  }
  return Status::Ok();
}

}  // namespace

std::string SnapshotId(Position p) {
  char b[48];
  std::snprintf(b, sizeof b, "%020llu-%020llu", static_cast<unsigned long long>(p.ms),
                static_cast<unsigned long long>(p.seq));
  return b;
}

std::string ManifestToJson(const SnapshotManifest& m) {
  json files = json::array();
  for (const auto& f : m.files)
    files.push_back(
        {{"name", f.name}, {"size", f.size}, {"xxh64", Hex64(f.xxh64)}, {"key", f.key}});
  json j = {{"format", kManifestFormat},
            {"id", m.id},
            {"position", m.position.ToString()},
            {"digest", m.digest},
            {"entries", m.entries},
            {"log_bytes", m.log_bytes},
            {"files_stored", m.files_stored},
            {"bytes_stored", m.bytes_stored},
            {"block_bytes", m.block_bytes},
            {"store_format", kStoreFormatVersion},
            {"created_ms", m.created_ms},
            {"replica", m.replica},
            {"total_bytes", m.total_bytes},
            {"uploaded_bytes", m.uploaded_bytes},
            {"files", files}};
  return j.dump(2);
}

Result<SnapshotManifest> ManifestFromJson(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  auto bad = [](const std::string& why) {
    return Status(Code::kCorruption, "snapshot manifest: " + why);
  };
  if (!j.is_object()) return bad("not JSON");
  int format = j.value("format", 0);
  if (format < 1 || format > kManifestFormat) return bad("unknown manifest format");
  SnapshotManifest m;
  auto pos = Position::Parse(j.value("position", ""));
  if (!pos) return bad("bad position");
  m.position = *pos;
  m.id = j.value("id", "");
  if (m.id.rfind(SnapshotId(m.position), 0) != 0 || m.id.find('/') != std::string::npos) {
    return bad("id does not match the position");
  }
  m.digest = j.value("digest", "");
  m.entries = j.value("entries", uint64_t{0});
  m.log_bytes = j.value("log_bytes", uint64_t{0});
  m.files_stored = j.value("files_stored", uint64_t{0});
  m.bytes_stored = j.value("bytes_stored", uint64_t{0});
  m.block_bytes = j.value("block_bytes", 0u);
  m.created_ms = j.value("created_ms", uint64_t{0});
  m.replica = j.value("replica", "");
  m.total_bytes = j.value("total_bytes", uint64_t{0});
  m.uploaded_bytes = j.value("uploaded_bytes", m.total_bytes);
  if (j.value("store_format", 0u) > kStoreFormatVersion)
    return bad("store format is newer than this binary");
  if (!j["files"].is_array() || j["files"].empty()) return bad("no files");
  for (const auto& f : j["files"]) {
    SnapshotFile sf;
    sf.name = f.value("name", "");
    sf.size = f.value("size", uint64_t{0});
    sf.xxh64 = std::strtoull(f.value("xxh64", "").c_str(), nullptr, 16);
    if (sf.name.empty() || sf.name.find('/') != std::string::npos || sf.name[0] == '.')
      return bad("bad file name");
    sf.key = format >= 2 ? f.value("key", "") : kRoot + m.id + "/" + sf.name;
    bool own = sf.key == kRoot + m.id + "/" + sf.name;
    bool shared = sf.key.rfind(kShared, 0) == 0 &&
                  sf.key.find('/', std::strlen(kShared)) == std::string::npos;
    if (!own && !shared) return bad("bad file key");
    m.files.push_back(sf);
  }
  return m;
}

Result<SnapshotManifest> TakeSnapshot(RocksStore& store, BackupStore& backup,
                                      const std::string& work_dir, const std::string& replica_id) {
  std::string dir = work_dir + "/checkpoint-" + std::to_string(WallClockMs());
  std::error_code ec;
  fs::create_directories(work_dir, ec);
  struct Cleanup {
    std::string d;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(d, e);
    }
  } cleanup{dir};
  WALFS_RETURN_IF_ERROR(store.Checkpoint(dir));
  SnapshotManifest m;
  {
    auto cp = RocksStore::OpenReadOnly(dir);
    if (!cp.ok()) return cp.status();
    WALFS_RETURN_IF_ERROR(Describe(**cp, &m));
  }
  if (m.position.IsZero())
    return Status(Code::kBadRequest, "nothing has been applied yet: no snapshot to take");
  // A complete snapshot of this very position (from any replica) is as good.
  auto existing = ListSnapshots(backup);
  if (!existing.ok()) return existing.status();
  for (const auto& e : *existing) {
    if (e.position == m.position && e.digest == m.digest) return e;
  }
  // Each replica uploads under its own id, so two replicas snapshotting the
  // same position never overwrite each other's files.
  m.id = SnapshotId(m.position) + "-" + SafeName(replica_id);
  m.created_ms = WallClockMs();
  m.replica = replica_id;
  WALFS_RETURN_IF_ERROR(ListFiles(dir, &m));
  // Claimed before anything is uploaded or reused: pruning keeps the shared
  // files a snapshot in progress counts on.
  WALFS_RETURN_IF_ERROR(backup.PutBytes(kRoot + m.id + "/claim.json", ClaimJson(m)));
  WALFS_RETURN_IF_ERROR(Upload(backup, dir, &m));
  WALFS_RETURN_IF_ERROR(Verify(backup, m));
  std::string manifest = ManifestToJson(m);
  std::string manifest_key = kRoot + m.id + "/manifest.json";
  WALFS_RETURN_IF_ERROR(backup.PutBytes(manifest_key, manifest));
  auto back = backup.GetBytes(manifest_key);
  if (!back.ok() || *back != manifest)
    return Status(Code::kIoError, "snapshot " + m.id + ": manifest did not read back");
  // A file pruned between the check and the manifest (a prune that read
  // the claims before this snapshot wrote its own) makes it incomplete again.
  if (Status again = Verify(backup, m); !again.ok()) {
    (void)backup.Delete(manifest_key);
    return again;
  }
  (void)backup.Delete(kRoot + m.id + "/claim.json");
  return m;
}

Result<std::vector<SnapshotManifest>> ListSnapshots(BackupStore& backup) {
  auto objs = backup.List(kRoot);
  if (!objs.ok()) return objs.status();
  std::vector<SnapshotManifest> out;
  for (const auto& o : *objs) {
    constexpr std::string_view kManifest = "/manifest.json";
    if (o.key.size() < kManifest.size() ||
        o.key.compare(o.key.size() - kManifest.size(), kManifest.size(), kManifest) != 0)
      continue;
    auto text = backup.GetBytes(o.key);
    if (!text.ok()) return text.status();
    auto m = ManifestFromJson(*text);
    if (m.ok()) out.push_back(std::move(m).value());
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) {
    return a.position != b.position ? a.position < b.position : a.id < b.id;
  });
  return out;
}

Status PruneSnapshots(BackupStore& backup, size_t keep) {
  auto snaps = ListSnapshots(backup);
  if (!snaps.ok()) return snaps.status();
  if (snaps->empty()) return Status::Ok();
  std::set<std::string> kept;
  std::set<std::string> live;  // shared keys some kept snapshot lists
  for (size_t i = snaps->size() > keep ? snaps->size() - keep : 0; i < snaps->size(); ++i) {
    kept.insert((*snaps)[i].id);
    for (const auto& f : (*snaps)[i].files) live.insert(f.key);
  }
  std::string newest = snaps->back().id;
  for (const auto& m : *snaps) {
    if (kept.count(m.id)) continue;
    WALFS_RETURN_IF_ERROR(
        backup.Delete(kRoot + m.id + "/manifest.json"));  // first: no longer complete
  }
  auto objs = backup.List(kRoot);
  if (!objs.ok()) return objs.status();
  const size_t root = std::string(kRoot).size();
  // Snapshots in progress (on any replica, at any position: another
  // replica may complete one at the same position first) keep the shared
  // files they claim. An abandoned one's claim goes with it below, so its
  // files are freed by the next prune.
  for (const auto& o : *objs) {
    std::string id = o.key.substr(root, o.key.find('/', root) - root);
    constexpr std::string_view kClaim = "/claim.json";
    bool claim = o.key.size() > kClaim.size() &&
                 o.key.compare(o.key.size() - kClaim.size(), kClaim.size(), kClaim) == 0;
    if (!claim) continue;
    auto text = backup.GetBytes(o.key);
    if (!text.ok()) return text.status();
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object() || !j["keys"].is_array()) continue;
    for (const auto& k : j["keys"]) {
      if (k.is_string()) live.insert(k.get<std::string>());
    }
  }
  for (const auto& o : *objs) {
    if (o.key.rfind(kShared, 0) == 0) {
      if (!live.count(o.key)) WALFS_RETURN_IF_ERROR(backup.Delete(o.key));
      continue;
    }
    std::string id = o.key.substr(root, o.key.find('/', root) - root);
    // At a position below the newest complete snapshot's and not kept: a
    // pruned or an abandoned (incomplete) snapshot. One at the same
    // position or newer may be uploading now (another replica may have
    // completed the same position first).
    const size_t pos_len = SnapshotId(Position{}).size();
    if (!kept.count(id) && id.substr(0, pos_len) < newest.substr(0, pos_len)) {
      WALFS_RETURN_IF_ERROR(backup.Delete(o.key));
    }
  }
  return Status::Ok();
}

Status RestoreSnapshot(BackupStore& backup, const SnapshotManifest& m,
                       const std::string& store_dir) {
  std::error_code ec;
  if (fs::exists(store_dir, ec)) return Status(Code::kAlreadyExists, store_dir + " already exists");
  fs::create_directories(store_dir, ec);
  if (ec) return Status(Code::kIoError, "cannot create " + store_dir + ": " + ec.message());
  for (const auto& f : m.files) {
    std::string local = store_dir + "/" + f.name;
    WALFS_RETURN_IF_ERROR(backup.GetFile(f.key, local));
    auto sum = FileChecksum64(local);
    if (!sum || *sum != f.xxh64 || fs::file_size(local, ec) != f.size) {
      return Status(Code::kCorruption,
                    "snapshot " + m.id + ": " + f.name + " does not match its checksum");
    }
  }
  SnapshotManifest got;
  {
    auto s = RocksStore::OpenReadOnly(store_dir);
    if (!s.ok()) return s.status();
    WALFS_RETURN_IF_ERROR(Describe(**s, &got));
  }
  if (got.position != m.position || got.digest != m.digest) {
    return Status(Code::kCorruption, "snapshot " + m.id + " restored to " +
                                         got.position.ToString() + " with digest " + got.digest +
                                         ", not what its manifest says");
  }
  return Status::Ok();
}

}  // namespace walfs
