// Log: the shared, totally ordered log of entries.
//
// A Log is a factory of connections; each thread that talks to the log
// (the proposer, the applier) owns its own LogConnection. Every backend
// records, atomically with each append, the position of the entry before it
// (design rule 8), and delivers it with the record.
//
// Error codes: kLogUnavailable when the log could not be reached and
// nothing was appended; kTimeout when an append was sent but its answer did
// not arrive in time (it may or may not have been appended).
// Thread-safety: a Log is thread-safe; a LogConnection is used by one thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/log_record.h"
#include "core/status.h"

namespace walfs {

struct LogTail {
  Position first;              // "0-0" if empty
  Position last;               // "0-0" if empty
  uint64_t entries_added = 0;  // entries ever appended, trimmed ones included
  uint64_t length = 0;         // entries held now
};

class LogConnection {
 public:
  virtual ~LogConnection() = default;
  // Appends the payloads in order, each chained to the one before; returns
  // their positions.
  virtual Result<std::vector<Position>> Append(const std::vector<std::string>& payloads) = 0;
  // Up to max records with positions > after; waits up to `block` for the
  // first one, and returns an empty vector if none came.
  virtual Result<std::vector<LogRecord>> Read(Position after, size_t max,
                                              std::chrono::milliseconds block) = 0;
  // The last position in the log ("0-0" if it is empty).
  virtual Result<Position> Last() = 0;

  // --- Operations: the tail, trimming, heartbeats and leases. ---
  virtual Result<LogTail> Tail() = 0;
  // What the log holds now, in bytes (Redis: the stream's memory, as
  // MEMORY USAGE estimates it; the local log: its file). kUnsupported where
  // a log cannot tell.
  virtual Result<uint64_t> Bytes() { return Status(Code::kUnsupported, "the log cannot tell"); }
  // The largest entry the log takes (NATS: the servers' max_payload less
  // room for headers); 0 where it sets no limit of its own.
  virtual uint64_t EntryBytesMax() { return 0; }
  // Removes every entry below min_keep (entries at or above it stay).
  virtual Status Trim(Position min_keep) = 0;
  // Publishes this replica's heartbeat (a JSON document), kept ttl_ms.
  virtual Status PutHeartbeat(const std::string& replica_id, const std::string& json,
                              uint32_t ttl_ms) = 0;
  // Every live heartbeat.
  virtual Result<std::vector<std::string>> Heartbeats() = 0;
  // Takes or renews the lease `name` for holder for ttl_ms; false if another
  // holder has it.
  virtual Result<bool> AcquireLease(const std::string& name, const std::string& holder,
                                    uint32_t ttl_ms) = 0;
  // Whether the log holds the entry at p: kHeld (this very entry; the
  // empty position is held by every log), kReplaced (another entry stands
  // at its place: a replica that applied p read an entry the log did not
  // keep), or kUnknown (trimmed, beyond the log's end, or a log that
  // cannot look one entry up).
  enum class Holding { kHeld, kReplaced, kUnknown };
  virtual Result<Holding> Holds(Position p) {
    return p == Position{} ? Holding::kHeld : Holding::kUnknown;
  }
  // True for a log that acknowledges an append only once a quorum of its
  // servers holds it (NATS with replicas > 1): an entry it no longer holds
  // was never acknowledged, so a replica that applied one may go back to
  // the log's history instead of stopping for good (BootstrapIfNeeded).
  virtual bool AcknowledgesOnQuorum() const { return false; }
  // Disaster recovery: makes an empty log continue a restored state, by
  // appending one entry with no ops right after `after`, chained to it.
  // kAlreadyExists if the log is not empty.
  virtual Status Seed(Position after, const std::string& empty_entry) = 0;
};

class Log {
 public:
  virtual ~Log() = default;
  virtual Result<std::unique_ptr<LogConnection>> Connect() = 0;
  virtual std::string Describe() const = 0;
};

struct LogOptions {
  uint32_t connect_timeout_ms = 1000;
  uint32_t command_timeout_ms = 2000;  // one round trip, not counting XREAD's block
};

// Checks a log URL's form without opening or creating anything.
Status ValidateLogUrl(const std::string& url);

// "local" or "local?fsync=always|none" (under data_dir/log), "memory" (in
// this process only: for tests), "redis://host:port[/db][?stream=NAME]", or
// "nats://host:port[,host:port...][?stream=NAME][&replicas=N][&subject=S]".
Result<std::shared_ptr<Log>> OpenLog(const std::string& url, const std::string& data_dir,
                                     const LogOptions& opts);

}  // namespace walfs
