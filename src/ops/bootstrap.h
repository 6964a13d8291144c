// Bootstrap: what a replica's store needs, at start, to continue from the
// log.
//
// - Behind the log (a fresh replica after the log was trimmed, or one that
//   was stopped while the log was trimmed past it): the newest snapshot in
//   the backup store that reaches the log's first entry replaces the store.
// - Ahead on an entry the log did not keep (on a log that acknowledges only
//   what a quorum holds, a reader was given an entry that the servers later
//   replaced: the replica stopped `log broken`): the store goes back to the
//   log's history, from the newest snapshot whose position the log still
//   holds, or from nothing if the log holds every entry since its start.
//   The store that applied the dropped entry is kept aside as
//   data_dir/store.forked (until the next time) and the replica's log says
//   which entry it was. On other logs such an entry means acknowledged
//   entries were lost: the replica stops and says so (design rule 8).
#pragma once

#include <string>

#include "backup/backup_store.h"
#include "log/log.h"
#include "replica/options.h"

namespace walfs {

// Replaces data_dir/store as above when it cannot continue from the log.
// Returns what it did, for the log (empty: nothing); an error if nothing
// can bring the replica to a contiguous state.
Result<std::string> BootstrapIfNeeded(const ServerOptions& opts, Log& log, BackupStore* backup);

}  // namespace walfs
