// Snapshots: a store's state at one exact log position, in a BackupStore.
//
// Layout under the backup store:
//   snapshots/<id>/<file>          the files of a RocksDB checkpoint other
//                                  than table and blob files (MANIFEST,
//                                  CURRENT, OPTIONS, the WAL)
//   snapshots/shared/<xxh64>-<size>-<file>
//                                  table (.sst) and blob (.blob) files, which
//                                  RocksDB never changes once written: shared
//                                  by every snapshot that has them, so a
//                                  snapshot uploads only the files that are
//                                  new since the ones before (incremental)
//   snapshots/<id>/claim.json      the keys a snapshot in progress uses,
//                                  written before its uploads: pruning keeps
//                                  them while it is not complete
//   snapshots/<id>/manifest.json   written last, after every file was
//                                  uploaded and verified (listed with its
//                                  key and size); a snapshot without it is
//                                  incomplete and never used
// <id> is the position, zero-padded ("%020u-%020u") so ids sort by
// position, then '-' and the replica that took it.
// The manifest records the position, digest and entry count (read from the
// checkpoint itself, so they are exactly what the files hold), the store
// format, block size, creation time, and each file's size and XXH64.
// Thread-safety: functions over the caller's BackupStore.
#pragma once

#include <string>
#include <vector>

#include "backup/backup_store.h"
#include "core/position.h"
#include "store/rocks_store.h"

namespace walfs {

// Format 2 lists each file's key (shared files); format 1 manifests (every
// file under snapshots/<id>/) are still read.
inline constexpr int kManifestFormat = 2;

struct SnapshotFile {
  std::string name;
  uint64_t size = 0;
  uint64_t xxh64 = 0;
  std::string key;  // where it is in the backup store
};

struct SnapshotManifest {
  std::string id;
  Position position;
  std::string digest;  // hex
  uint64_t entries = 0;
  uint64_t log_bytes = 0;     // bytes of the entries applied up to it, ever
  uint64_t files_stored = 0;  // walfs files in the namespace
  uint64_t bytes_stored = 0;
  uint32_t block_bytes = 0;
  uint64_t created_ms = 0;
  std::string replica;
  std::vector<SnapshotFile> files;
  uint64_t total_bytes = 0;     // of the snapshot's files
  uint64_t uploaded_bytes = 0;  // of those, uploaded by it (the rest were shared)
};

std::string SnapshotId(Position p);
std::string ManifestToJson(const SnapshotManifest& m);
Result<SnapshotManifest> ManifestFromJson(const std::string& json);

// Checkpoints store under work_dir, uploads and verifies it, then writes
// its manifest. The checkpoint is removed afterwards, whatever happens.
Result<SnapshotManifest> TakeSnapshot(RocksStore& store, BackupStore& backup,
                                      const std::string& work_dir, const std::string& replica_id);
// Complete snapshots, oldest first.
Result<std::vector<SnapshotManifest>> ListSnapshots(BackupStore& backup);
// Keeps the newest `keep` complete snapshots; deletes older ones (manifest
// first), incomplete ones older than the newest complete one, and shared
// files that no kept snapshot lists and no snapshot in progress claims.
Status PruneSnapshots(BackupStore& backup, size_t keep);
// Downloads a snapshot into store_dir (which must not exist), verifies each
// file's checksum, opens it and checks its position and digest.
Status RestoreSnapshot(BackupStore& backup, const SnapshotManifest& m,
                       const std::string& store_dir);

}  // namespace walfs
