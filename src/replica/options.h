// ServerOptions: every knob and limit of a replica, in one place.
// Units are last in names. Defaults are what `walfs serve` with no flags uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "backup/backup_store.h"
#include "log/log.h"
#include "schema/schema.h"

namespace walfs {

struct ServerOptions {
  std::string data_dir = "./walfs-data";
  std::string listen = "127.0.0.1:8080";
  std::string log_url = "local";  // local, local?fsync=none, memory, redis://...
  std::string replica_id;         // default: the listen address
  std::string advertise;          // URL other replicas and tools see; default http://<listen>

  // HTTP.
  size_t http_threads = 2;
  size_t connections_max = 1024;
  uint64_t entry_bytes_max = 4ull << 20;  // largest body one log entry carries
  // Writes of any size: a body over entry_bytes_max is staged in chunks of
  // that size and made visible by one commit (an upload).
  uint64_t file_bytes_max = kMaxFileBytes;          // largest body of one write
  uint64_t part_bytes_max = 5ull << 30;             // largest part of an upload
  uint64_t upload_expiry_ms = 24ull * 3600 * 1000;  // log time without activity
  size_t stage_window_chunks = 4;  // chunks of one body in the log but not yet applied here
  size_t uploads_list_max = 1000;
  uint64_t header_bytes_max = 16 << 10;
  uint32_t idle_timeout_ms = 30000;         // between requests on a keep-alive connection
  uint32_t io_timeout_ms = 30000;           // to read one request or write one response chunk
  uint32_t watch_keepalive_ms = 15000;      // a watch's comment line when nothing came
  uint32_t watch_lag_ms_max = 30000;        // a watch not caught up this long is cut off
  uint32_t wait_timeout_ms_default = 5000;  // min_position, strong, ack=applied
  uint32_t wait_timeout_ms_max = 60000;
  size_t read_chunk_bytes = 256 << 10;  // file bytes read from the store per socket write
  size_t list_limit_default = 1000;
  size_t list_limit_max = 10000;
  size_t health_connections_reserve = 16;  // past connections_max, kept for /healthz and /readyz
  uint32_t watchdog_interval_ms = 500;     // how often a connection's deadline is checked
  // After an early answer (413, a malformed request), what the client still
  // sends is read and dropped, up to these, so that the close does not
  // reset the connection before the client has read the answer.
  uint64_t linger_bytes_max = 64ull << 20;
  uint32_t linger_ms = 2000;
  uint32_t drain_ms_max = 10000;               // SIGTERM: requests in flight get this long
  size_t connections_per_address_max = 256;    // from one client address; past it, 429
  size_t requests_per_connection_max = 10000;  // then the connection closes after its answer

  // Security (api-v1.md, "Authentication and TLS").
  std::string auth_file;                       // principals (JSON); empty: no authentication
  bool insecure_no_auth = false;               // allow a listen beyond loopback without auth_file
  bool metrics_public = false;                 // /metrics without credentials
  uint32_t auth_failures_per_minute_max = 30;  // per client address; past it, 429 (0: no limit)
  std::string tls_cert, tls_key;               // PEM files; both or neither: HTTPS only

  // The S3-compatible endpoint (s3.md): a second listener on the same replica.
  std::string s3_listen;                // HOST:PORT; empty: off
  std::string s3_domain;                // virtual-hosted style: BUCKET.<domain>
  std::string s3_region = "us-east-1";  // what GetBucketLocation answers
  // S3 reads wait for the log's tail first (--s3-consistency strong).
  bool s3_strong = false;

  // Proposer (group commit).
  size_t proposals_pending_max = 20000;  // queued writes; past it: 503 not_ready
  size_t propose_batch_entries_max = 512;
  uint64_t propose_batch_bytes_max = 16ull << 20;

  // Applier.
  size_t apply_batch_entries_max = 512;
  uint64_t apply_batch_bytes_max = 8ull << 20;  // a read asks for about this many bytes of entries
  uint32_t apply_block_ms = 500;  // XREAD BLOCK; also how often an idle applier checks the tail
  uint32_t tail_check_interval_ms =
      1000;  // a busy applier compares the log's tail with its position
  uint32_t space_check_interval_ms = 100;  // free space checked (a statvfs) at most this often
  uint32_t retry_backoff_ms_max = 2000;    // between attempts to reach an unavailable log
  uint64_t ready_lag_ms_max = 10000;       // /readyz: applied must be within this of the log's tail
  size_t outcomes_kept_max = 65536;        // recent outcomes kept for ack=applied answers
  // The applier pauses (writes refused, reads served) while the store's
  // disk has less free space than this, so RocksDB never meets a full disk
  // in the middle of a write; it resumes when space returns. 0: no check.
  uint64_t store_reserve_bytes = 256ull << 20;

  // Cluster view.
  uint32_t heartbeat_interval_ms = 1000;
  uint32_t heartbeat_ttl_intervals = 5;  // a replica silent this many intervals leaves the view

  // Snapshots and trimming (all off without a backup URL).
  std::string backup_url;                    // dir:///path or s3://bucket/prefix
  uint64_t snapshot_every_entries = 100000;  // 0: never by count
  // By the bytes of the entries applied since (the log holds every byte
  // written until it is trimmed below a snapshot). 0: never by bytes.
  uint64_t snapshot_every_bytes = 1ull << 30;
  uint64_t snapshot_every_ms = 3600 * 1000;  // 0: never by time (only with new entries)
  size_t snapshots_keep = 3;
  uint32_t maintenance_interval_ms = 1000;     // how often the lease holder checks
  uint32_t lease_ttl_intervals = 5;            // a holder silent this long loses the lease
  uint32_t backup_list_every_intervals = 10;   // the holder lists the backup store this often
  bool trim = true;                            // false: keep the whole log (trim by hand)
  uint64_t trim_log_entries_max = 10'000'000;  // past this, trim even below slow replicas
  uint64_t trim_log_age_ms_max = 7ull * 24 * 3600 * 1000;
  // A replica whose heartbeat lapsed (stalled, restarting, crashed) still
  // holds the trim point at the position it last announced this long.
  uint64_t trim_hold_ms = 60'000;

  // Volumes (scale-out.md): NAME=/prefix@LOG_URL each, the same on every
  // replica of a cluster; which this replica serves (empty: all).
  std::vector<std::string> volumes;
  std::vector<std::string> serve_volumes;
  // Set for each volume's node (volume/volume_set.h): the volume it stores,
  // and the map's fingerprint its heartbeats carry.
  std::string volume = "root";
  std::string volume_map;

  // Only for a store created by this process; an existing store keeps its own.
  uint32_t block_bytes = kDefaultBlockBytes;

  LogOptions log;
  S3Options s3;
};

}  // namespace walfs
