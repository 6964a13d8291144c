// walfs snapshot, walfs snapshots, walfs restore.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "backup/snapshot.h"
#include "cli/commands.h"
#include "client/http_client.h"
#include "codec/entry.h"
#include "log/log.h"

namespace walfs::cli {
namespace {

using nlohmann::json;

int PrintJsonAnswer(const Result<ClientResponse>& r) {
  if (!r.ok()) {
    std::cerr << "walfs: " << r.status().message() << "\n";
    return kExitError;
  }
  json j = json::parse(r->body, nullptr, false);
  if (r->status >= 300) {
    std::cerr << "walfs: " << (j.is_object() ? j.value("message", r->body) : r->body) << "\n";
    return kExitError;
  }
  std::cout << (j.is_discarded() ? r->body : j.dump(2)) << "\n";
  return kExitOk;
}

struct RestoreArgs {
  std::string backup, data, position, reseed_log;
  S3Options s3;
};

int RunRestore(RestoreArgs& a) {
  S3OptionsFromEnv(&a.s3);
  auto backup = OpenBackupStore(a.backup, a.s3);
  if (!backup.ok()) {
    std::cerr << "walfs restore: " << backup.status().message() << "\n";
    return kExitUsage;
  }
  auto snaps = ListSnapshots(**backup);
  if (!snaps.ok()) {
    std::cerr << "walfs restore: " << snaps.status().message() << "\n";
    return kExitError;
  }
  const SnapshotManifest* pick = snaps->empty() ? nullptr : &snaps->back();
  if (!a.position.empty()) {
    pick = nullptr;
    for (const auto& m : *snaps) {
      if (m.position.ToString() == a.position || m.id == a.position) pick = &m;
    }
  }
  if (pick == nullptr) {
    std::cerr << "walfs restore: no complete snapshot"
              << (a.position.empty() ? "" : " at " + a.position) << " in " << (*backup)->Describe()
              << "\n";
    return kExitError;
  }
  std::string store_dir = a.data + "/store";
  Status st = RestoreSnapshot(**backup, *pick, store_dir);
  if (!st.ok()) {
    std::cerr << "walfs restore: " << st.message() << "\n";
    return kExitError;
  }
  std::cout << "restored snapshot " << pick->id << " (position " << pick->position.ToString()
            << ", digest " << pick->digest << ") into " << store_dir << "\n";
  if (a.reseed_log.empty()) return kExitOk;
  auto log = OpenLog(a.reseed_log, a.data, LogOptions{});
  if (!log.ok()) {
    std::cerr << "walfs restore: " << log.status().message() << "\n";
    return kExitError;
  }
  auto conn = (*log)->Connect();
  Status seeded = conn.ok() ? (*conn)->Seed(pick->position, EncodeEntry(Entry{})) : conn.status();
  if (!seeded.ok()) {
    std::cerr << "walfs restore: cannot seed " << a.reseed_log << ": " << seeded.message() << "\n";
    return kExitError;
  }
  std::cout << "seeded the empty log " << a.reseed_log << " to continue after "
            << pick->position.ToString() << "\n";
  return kExitOk;
}

}  // namespace

void RegisterSnapshots(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto* snap = app.add_subcommand("snapshot", "take a snapshot now (the server needs --backup)");
  snap->callback([=] {
    *run = [=] {
      ClientOptions o = *server;
      o.timeout_ms = 3600 * 1000;
      HttpClient c(o);
      return PrintJsonAnswer(c.Request("POST", "/v1/admin/snapshots"));
    };
  });
  auto* list =
      app.add_subcommand("snapshots", "list the complete snapshots in the server's backup store");
  list->callback([=] {
    *run = [=] {
      HttpClient c(*server);
      return PrintJsonAnswer(c.Get("/v1/admin/snapshots"));
    };
  });
  auto a = std::make_shared<RestoreArgs>();
  auto* restore =
      app.add_subcommand("restore", "restore a snapshot into a data directory (disaster recovery)");
  restore->add_option("--backup", a->backup, "dir:///path or s3://bucket/prefix")->required();
  restore
      ->add_option("--data", a->data,
                   "the data directory to restore into (its store must not exist)")
      ->required();
  restore->add_option("--position", a->position, "the snapshot's position (default: the newest)");
  restore->add_option(
      "--reseed-log", a->reseed_log,
      "an EMPTY log (a new Redis stream or JetStream stream) to continue from the snapshot: "
      "redis://..., nats://... or local");
  AddS3Options(restore, &a->s3);
  restore->callback([=] { *run = [=] { return RunRestore(*a); }; });
}

}  // namespace walfs::cli
