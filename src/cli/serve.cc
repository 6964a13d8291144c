// walfs serve: run one replica.
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "server/http_server.h"
#include "server/replica.h"

namespace walfs::cli {
namespace {

struct ServeArgs {
  ServerOptions opts;
  std::string log_level = "info";
  uint64_t store_reserve_mib = ServerOptions{}.store_reserve_bytes >> 20;
};

void FromEnv(ServerOptions* o) {
  if (const char* v = std::getenv("WALFS_DATA")) o->data_dir = v;
  if (const char* v = std::getenv("WALFS_LISTEN")) o->listen = v;
  if (const char* v = std::getenv("WALFS_LOG")) o->log_url = v;
  if (const char* v = std::getenv("WALFS_REPLICA_ID")) o->replica_id = v;
  if (const char* v = std::getenv("WALFS_BACKUP")) o->backup_url = v;
}

int RunServe(ServeArgs& a) {
  spdlog::set_level(spdlog::level::from_str(a.log_level));
  ServerOptions& o = a.opts;
  o.store_reserve_bytes = a.store_reserve_mib << 20;
  S3OptionsFromEnv(&o.s3);
  if (o.replica_id.empty()) o.replica_id = o.listen;
  if (o.advertise.empty()) o.advertise = "http://" + o.listen;
  auto replica = Replica::Open(o);
  if (!replica.ok()) {
    std::cerr << "walfs serve: " << replica.status().message() << "\n";
    return kExitError;
  }
  HttpServer server(replica->get(), o);
  auto port = server.Listen();
  if (!port.ok()) {
    std::cerr << "walfs serve: " << port.status().message() << "\n";
    return kExitError;
  }
  spdlog::info("listening on {} (port {})", o.listen, *port);
  server.Run();
  (*replica)->Stop();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace

void RegisterServe(CLI::App& app, RunFn* run) {
  auto args = std::make_shared<ServeArgs>();
  FromEnv(&args->opts);
  auto* cmd = app.add_subcommand("serve", "run a replica (defaults: a single node on a local log)");
  ServerOptions& o = args->opts;
  cmd->add_option("--data", o.data_dir, "data directory (env WALFS_DATA)")->capture_default_str();
  cmd->add_option("--listen", o.listen, "HOST:PORT to serve HTTP on (env WALFS_LISTEN)")->capture_default_str();
  cmd->add_option("--log", o.log_url,
                  "local, local?fsync=none, or redis://host:port[/db][?stream=NAME] (env WALFS_LOG)")
      ->capture_default_str();
  cmd->add_option("--replica-id", o.replica_id, "this replica's name (default: the listen address)");
  cmd->add_option("--advertise", o.advertise,
                  "the URL other replicas and tools reach this one at (default http://LISTEN)");
  cmd->add_option("--heartbeat-ms", o.heartbeat_interval_ms,
                  "how often this replica publishes its heartbeat; silent for 5 of these, it leaves the cluster view")
      ->capture_default_str();
  cmd->add_option("--backup", o.backup_url,
                  "where snapshots go: dir:///path or s3://bucket/prefix (env WALFS_BACKUP); "
                  "enables snapshots, trimming and self-bootstrap");
  cmd->add_option("--snapshot-every-entries", o.snapshot_every_entries, "snapshot after this many new entries (0: never)")
      ->capture_default_str();
  cmd->add_option("--snapshot-every-ms", o.snapshot_every_ms, "snapshot this often if there are new entries (0: never)")
      ->capture_default_str();
  cmd->add_option("--snapshots-keep", o.snapshots_keep, "complete snapshots to keep")->capture_default_str();
  cmd->add_option("--trim-max-entries", o.trim_log_entries_max,
                  "past this many entries the log is trimmed to the latest snapshot even below slow replicas")
      ->capture_default_str();
  cmd->add_option("--trim-max-age-ms", o.trim_log_age_ms_max,
                  "likewise, past this much log time between the first and last entry")
      ->capture_default_str();
  cmd->add_option("--maintenance-ms", o.maintenance_interval_ms,
                  "how often the maintenance lease holder checks for snapshots and trims")
      ->capture_default_str();
  cmd->add_flag("--no-trim", [&o](int64_t n) { o.trim = n == 0; }, "never trim the log (snapshots still run)");
  AddS3Options(cmd, &o.s3);
  cmd->add_option("--store-reserve-mib", args->store_reserve_mib,
                  "pause applying while the store's disk has less than this free (0: never)")
      ->capture_default_str();
  cmd->add_option("--idle-timeout-ms", o.idle_timeout_ms, "close a kept-alive connection idle this long")
      ->capture_default_str();
  cmd->add_option("--io-timeout-ms", o.io_timeout_ms,
                  "close a connection that takes longer than this to send a request or take an answer chunk")
      ->capture_default_str();
  cmd->add_option("--http-threads", o.http_threads, "threads serving HTTP")->capture_default_str();
  cmd->add_option("--max-connections", o.connections_max,
                  "open connections served; past it, 16 more answer only /healthz and /readyz")
      ->capture_default_str();
  cmd->add_option("--max-entry-bytes", o.entry_bytes_max, "largest body one write may carry")->capture_default_str();
  cmd->add_option("--log-level", args->log_level, "trace, debug, info, warn, error")->capture_default_str();
  cmd->callback([args, run] { *run = [args] { return RunServe(*args); }; });
}

}  // namespace walfs::cli
