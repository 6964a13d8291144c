// walfs serve: run one replica.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>

#include <boost/asio/ip/address.hpp>

#include "auth/auth_file.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "http/server.h"
#include "http/util.h"
#include "schema/schema.h"
#include "volume/volume_set.h"

namespace walfs::cli {
namespace {

struct ServeArgs {
  ServerOptions opts;
  std::string log_level = "info";
  uint64_t store_reserve_mib = ServerOptions{}.store_reserve_bytes >> 20;
  std::string config_file;  // read before parsing (ExpandServeConfig)
};

void FromEnv(ServerOptions* o) {
  if (const char* v = std::getenv(ServeEnvName("data"))) o->data_dir = v;
  if (const char* v = std::getenv(ServeEnvName("listen"))) o->listen = v;
  if (const char* v = std::getenv(ServeEnvName("log"))) o->log_url = v;
  if (const char* v = std::getenv(ServeEnvName("replica-id"))) o->replica_id = v;
  if (const char* v = std::getenv(ServeEnvName("backup"))) o->backup_url = v;
  if (const char* v = std::getenv(ServeEnvName("auth"))) o->auth_file = v;
}

// A listen address (flag: its option): HOST:PORT, and loopback unless
// there is --auth or --insecure-no-auth.
Status CheckListen(std::string_view flag, const std::string& l, const ServerOptions& o) {
  auto bad = [flag](std::string m) { return Status(Code::kBadRequest, std::string(flag) + m); };
  auto colon = l.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad(" must be HOST:PORT, not '" + l + "'");
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(l.substr(0, colon), ec);
  if (ec) return bad(": '" + l.substr(0, colon) + "' is not an IP address");
  auto port = ParseU64(l.substr(colon + 1));
  if (!port || *port > 65535) return bad(": '" + l.substr(colon + 1) + "' is not a port");
  if (o.auth_file.empty() && !o.insecure_no_auth && !addr.is_loopback()) {
    return Status(Code::kBadRequest,
                  "refusing to listen on " + l + " (" + std::string(flag) +
                      ") without --auth: anyone who can reach it could read, overwrite and "
                      "delete every file. Give --auth FILE (see docs/security.md), listen on "
                      "127.0.0.1, or pass --insecure-no-auth on a network you trust");
  }
  return Status::Ok();
}

// Every check that needs no store, log or socket: a bad flag is refused
// (exit 2) before anything is created.
Status Validate(const ServeArgs& a) {
  const ServerOptions& o = a.opts;
  auto bad = [](std::string m) { return Status(Code::kBadRequest, std::move(m)); };
  if (o.data_dir.empty()) return bad("--data must not be empty");
  WALFS_RETURN_IF_ERROR(CheckListen("--listen", o.listen, o));
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return bad("--tls-cert and --tls-key go together");
  }
  if (!o.s3_listen.empty()) WALFS_RETURN_IF_ERROR(CheckListen("--s3-listen", o.s3_listen, o));
  if (!o.auth_file.empty()) {
    auto cfg = LoadAuthFile(o.auth_file);
    if (!cfg.ok()) return bad(cfg.status().message());
  }
  WALFS_RETURN_IF_ERROR(ValidateLogUrl(o.log_url));
  auto map = VolumeMap::Parse(o.log_url, o.volumes);
  if (!map.ok()) return map.status();
  for (const auto& v : map->volumes()) {
    if (Status st = ValidateLogUrl(v.log_url); !st.ok()) {
      return Status(Code::kBadRequest, "volume " + v.name + ": " + st.message());
    }
  }
  for (const auto& name : o.serve_volumes) {
    if (map->Find(name) == nullptr) {
      return bad("--serve-volumes names " + name + ", which no --volume defines (nor is it root)");
    }
  }
  if (!o.backup_url.empty()) {
    auto b = OpenBackupStore(o.backup_url, o.s3);  // checks the URL; creates nothing
    if (!b.ok()) return b.status();
  }
  return Status::Ok();
}

int RunServe(ServeArgs& a) {
  S3OptionsFromEnv(&a.opts.s3);
  Status valid = Validate(a);
  if (!valid.ok()) {
    std::cerr << "walfs serve: " << valid.message() << "\n";
    return kExitUsage;
  }
  spdlog::set_level(spdlog::level::from_str(a.log_level));
  ServerOptions& o = a.opts;
  o.store_reserve_bytes = a.store_reserve_mib << 20;
  if (o.replica_id.empty()) o.replica_id = o.listen;
  if (o.advertise.empty()) o.advertise = (o.tls_cert.empty() ? "http://" : "https://") + o.listen;
  // The port first: an address in use is refused before the store exists.
  HttpServer server(o);
  auto port = server.Bind();
  if (!port.ok()) {
    std::cerr << "walfs serve: " << port.status().message() << "\n";
    return kExitError;
  }
  auto volumes = VolumeSet::Open(o);
  if (!volumes.ok()) {
    std::cerr << "walfs serve: " << volumes.status().message() << "\n";
    return kExitError;
  }
  if (Status l = server.Listen(); !l.ok()) {
    std::cerr << "walfs serve: " << l.message() << "\n";
    return kExitError;
  }
  spdlog::info("listening on {} (port {})", o.listen, *port);
  if (!o.s3_listen.empty()) {
    spdlog::info("serving S3 on {} (port {})", o.s3_listen, server.s3_port());
  }
  server.Run(volumes->get());
  (*volumes)->Stop();
  spdlog::info("stopped");
  return kExitOk;
}

}  // namespace

const char* ServeEnvName(const std::string& key) {
  static const std::map<std::string, const char*> names = {
      {"data", "WALFS_DATA"},
      {"listen", "WALFS_LISTEN"},
      {"log", "WALFS_LOG"},
      {"replica-id", "WALFS_REPLICA_ID"},
      {"backup", "WALFS_BACKUP"},
      {"auth", "WALFS_AUTH"},
      {"backup-s3-endpoint", "WALFS_S3_ENDPOINT"},
      {"s3-endpoint", "WALFS_S3_ENDPOINT"},
      {"backup-s3-region", "WALFS_S3_REGION"}};
  auto it = names.find(key);
  return it == names.end() ? nullptr : it->second;
}

namespace {

// The serve command and its options, bound to the ServeArgs returned.
std::shared_ptr<ServeArgs> AddServe(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  FromEnv(&args->opts);
  auto* cmd = app.add_subcommand("serve", "run a replica (defaults: a single node on a local log)");
  ServerOptions& o = args->opts;
  // Read before parsing (ExpandServeConfig); here for --help and so that
  // the parser takes it.
  cmd->add_option("--config", args->config_file,
                  "a TOML file whose keys are these flags without their dashes; a flag given "
                  "here or its environment variable overrides the file's key (walfs config "
                  "example)");
  cmd->add_option("--data", o.data_dir, "data directory (env WALFS_DATA)")->capture_default_str();
  cmd->add_option("--listen", o.listen, "HOST:PORT to serve HTTP on (env WALFS_LISTEN)")
      ->capture_default_str();
  cmd->add_option("--log", o.log_url,
                  "local, local?fsync=none, redis://host:port[/db][?stream=NAME], or "
                  "nats://host:port[,host:port...][?stream=NAME][&replicas=N] (env WALFS_LOG)")
      ->capture_default_str();
  cmd->add_option("--volume", o.volumes,
                  "NAME=/prefix@LOG_URL: the subtree /prefix is volume NAME, on its own log "
                  "(repeat for more; the same on every replica; see docs/operations.md)");
  cmd->add_option("--serve-volumes", o.serve_volumes,
                  "the volumes this replica stores and applies, by name (root is the volume "
                  "of /); default: all")
      ->delimiter(',');
  cmd->add_option("--replica-id", o.replica_id,
                  "this replica's name (default: the listen address; env WALFS_REPLICA_ID)");
  cmd->add_option("--advertise", o.advertise,
                  "the URL other replicas and tools reach this one at (default http://LISTEN)");
  cmd->add_option("--heartbeat-ms", o.heartbeat_interval_ms,
                  "how often this replica publishes its heartbeat; silent for 5 of these, it "
                  "leaves the cluster view")
      ->check(NumberIn(10, 3'600'000))
      ->capture_default_str();
  cmd->add_option("--backup", o.backup_url,
                  "where snapshots go: dir:///path or s3://bucket/prefix (env WALFS_BACKUP); "
                  "enables snapshots, trimming and self-bootstrap");
  cmd->add_option("--snapshot-every-entries", o.snapshot_every_entries,
                  "snapshot after this many new entries (0: never)")
      ->check(NumberIn(0, kU64Max))
      ->capture_default_str();
  cmd->add_option("--snapshot-every-bytes", o.snapshot_every_bytes,
                  "snapshot after this many bytes of new entries, so that the log (which holds "
                  "every byte written until it is trimmed) stays bounded (0: never)")
      ->check(NumberIn(0, kU64Max))
      ->capture_default_str();
  cmd->add_option("--snapshot-every-ms", o.snapshot_every_ms,
                  "snapshot this often if there are new entries (0: never)")
      ->check(NumberIn(0, kU64Max))
      ->capture_default_str();
  cmd->add_option("--snapshots-keep", o.snapshots_keep, "complete snapshots to keep")
      ->check(NumberIn(1, 1000))
      ->capture_default_str();
  cmd->add_option("--trim-max-entries", o.trim_log_entries_max,
                  "past this many entries the log is trimmed to the latest snapshot even below "
                  "slow replicas")
      ->check(NumberIn(1, kU64Max))
      ->capture_default_str();
  cmd->add_option("--trim-max-age-ms", o.trim_log_age_ms_max,
                  "likewise, past this much log time between the first and last entry")
      ->check(NumberIn(1, kU64Max))
      ->capture_default_str();
  cmd->add_option("--trim-hold-ms", o.trim_hold_ms,
                  "a replica whose heartbeat lapsed (stalled, restarting, crashed) still holds "
                  "the trim point at its last announced position this long")
      ->check(NumberIn(0, kU64Max))
      ->capture_default_str();
  cmd->add_option("--maintenance-ms", o.maintenance_interval_ms,
                  "how often the maintenance lease holder checks for snapshots and trims")
      ->check(NumberIn(10, 3'600'000))
      ->capture_default_str();
  cmd->add_flag(
      "--no-trim", [&o](int64_t n) { o.trim = n == 0; },
      "never trim the log (snapshots still run)");
  AddS3Options(cmd, &o.s3);
  cmd->add_option("--store-reserve-mib", args->store_reserve_mib,
                  "pause applying while the store's disk has less than this free (0: never)")
      ->check(NumberIn(0, 1ull << 30))
      ->capture_default_str();
  cmd->add_option("--idle-timeout-ms", o.idle_timeout_ms,
                  "close a kept-alive connection idle this long")
      ->check(NumberIn(1, 86'400'000))
      ->capture_default_str();
  cmd->add_option(
         "--io-timeout-ms", o.io_timeout_ms,
         "close a connection that takes longer than this to send a request's header block or body, "
         "or to take an answer chunk")
      ->check(NumberIn(1, 86'400'000))
      ->capture_default_str();
  cmd->add_option("--watch-keepalive-ms", o.watch_keepalive_ms,
                  "send a watch a comment line when no event came for this long")
      ->check(NumberIn(100, 3'600'000))
      ->capture_default_str();
  cmd->add_option("--watch-lag-ms-max", o.watch_lag_ms_max,
                  "end a watch (event: lagging, with where to resume) that has not caught up "
                  "for this long: a client that reads too slowly")
      ->check(NumberIn(100, 86'400'000))
      ->capture_default_str();
  cmd->add_option("--http-threads", o.http_threads, "threads serving HTTP")
      ->check(NumberIn(1, 256))
      ->capture_default_str();
  cmd->add_option("--max-connections", o.connections_max,
                  "open connections served; past it, 16 more answer only /healthz and /readyz")
      ->check(NumberIn(1, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--max-entry-bytes", o.entry_bytes_max,
                  "largest body one log entry carries; larger writes are staged in chunks of "
                  "this size (at most 512 MiB, what every replica decodes)")
      ->check(NumberIn(1, kMaxEntryDataBytes))
      ->capture_default_str();
  cmd->add_option("--max-file-bytes", o.file_bytes_max,
                  "largest body of one write (PUT, append, write); up to 1 TiB")
      ->check(NumberIn(1, kMaxFileBytes))
      ->capture_default_str();
  cmd->add_option("--max-part-bytes", o.part_bytes_max, "largest part of an upload")
      ->check(NumberIn(1, kMaxFileBytes))
      ->capture_default_str();
  cmd->add_option("--upload-expiry-ms", o.upload_expiry_ms,
                  "log time an upload stays open after its creation or its last part")
      ->check(NumberIn(1, kMaxUploadExpiryMs))
      ->capture_default_str();
  cmd->add_option("--auth", o.auth_file,
                  "principals (JSON: names, roles, path prefixes, token hashes, S3 keys); turns "
                  "authentication on; reloaded on SIGHUP (env WALFS_AUTH)");
  cmd->add_option("--tls-cert", o.tls_cert,
                  "PEM certificate chain: serve HTTPS only (TLS 1.2 and 1.3); reloaded on SIGHUP")
      ->check(CLI::ExistingFile);
  cmd->add_option("--tls-key", o.tls_key, "PEM private key of --tls-cert")
      ->check(CLI::ExistingFile);
  cmd->add_option("--s3-listen", o.s3_listen,
                  "HOST:PORT: also serve the S3-compatible API there (docs/s3.md); off unless "
                  "given");
  cmd->add_option("--s3-domain", o.s3_domain,
                  "serve virtual-hosted-style S3 requests too: BUCKET.<domain>");
  cmd->add_option("--s3-region", o.s3_region, "the region GetBucketLocation answers")
      ->capture_default_str();
  cmd->add_option_function<std::string>(
         "--s3-consistency", [&o](const std::string& v) { o.s3_strong = v == "strong"; },
         "eventual (default): an S3 read sees what this replica has applied (every write it "
         "took); strong: every S3 read first waits for the log's last entry (one log round trip)")
      ->check(CLI::IsMember({"eventual", "strong"}));
  cmd->add_flag("--insecure-no-auth", o.insecure_no_auth,
                "allow listening beyond loopback without --auth (anyone who reaches the port can "
                "do anything)");
  cmd->add_flag("--metrics-public", o.metrics_public,
                "serve /metrics without credentials (otherwise it needs role admin)");
  cmd->add_option("--max-auth-failures-per-minute", o.auth_failures_per_minute_max,
                  "failed authentications one client address may make in a minute; past it, 429 "
                  "(0: no limit)")
      ->check(NumberIn(0, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--max-connections-per-address", o.connections_per_address_max,
                  "open connections from one client address; past it, 429")
      ->check(NumberIn(1, 1'000'000))
      ->capture_default_str();
  cmd->add_option("--max-requests-per-connection", o.requests_per_connection_max,
                  "requests served on one connection before it is closed")
      ->check(NumberIn(1, kU64Max))
      ->capture_default_str();
  cmd->add_option("--max-header-bytes", o.header_bytes_max,
                  "largest request line and header block; past it, 414 or 431")
      ->check(NumberIn(1024, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--log-level", args->log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  return args;
}

}  // namespace

void RegisterServe(CLI::App& app, RunFn* run) {
  auto args = AddServe(app);
  app.get_subcommand("serve")->callback([args, run] { *run = [args] { return RunServe(*args); }; });
}

Status ValidateServe(const std::vector<std::string>& args) {
  CLI::App app;
  auto a = AddServe(app);
  std::vector<std::string> reversed = {"serve"};
  reversed.insert(reversed.end(), args.begin(), args.end());
  std::reverse(reversed.begin(), reversed.end());  // CLI11 takes a vector in reverse
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return Status(Code::kBadRequest, e.what());
  }
  S3OptionsFromEnv(&a->opts.s3);
  return Validate(*a);
}

}  // namespace walfs::cli
