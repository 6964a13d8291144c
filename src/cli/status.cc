// walfs status: the cluster as one replica sees it (GET /v1/cluster), as a
// table. Exits 0 when the cluster is healthy, 1 when it is not (the log
// unreachable, a replica stopped or diverged) or cannot be asked.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "client/http_client.h"

namespace walfs::cli {
namespace {

using nlohmann::json;

// Why the cluster in this view is not healthy; empty if it is. Healthy:
// the log answers, and every replica in the view applies (none stopped,
// none diverged).
std::string Unhealthy(const json& j) {
  std::vector<std::string> why;
  if (j["log"].contains("error")) why.push_back("the log is unreachable");
  const json& reps = j["replicas"];
  if (!reps.is_array() || reps.empty()) why.push_back("no replica is in the view");
  size_t stopped = 0, diverged = 0;
  for (const auto& r : reps) {
    stopped += r.contains("stopped");
    diverged += r.value("diverged", false);
  }
  if (stopped > 0)
    why.push_back(std::to_string(stopped) + " of " + std::to_string(reps.size()) +
                  " replicas stopped");
  if (diverged > 0) why.push_back(std::to_string(diverged) + " diverged");
  std::string out;
  for (const auto& w : why) out += (out.empty() ? "" : "; ") + w;
  return out;
}

// "0.1.0 (commit 4817a51c2d3e, entry format 6)", of a replica or of the
// answering build; "unknown" for a replica whose build published none.
std::string BuildOf(const json& b) {
  if (b.value("version", "").empty()) return "unknown (a build from before versions were shown)";
  return b.value("version", "") + " (commit " + b.value("commit", "") + ", entry format " +
         std::to_string(b.value("entry_format", 0)) + ")";
}

int RunStatus(const ClientOptions& server, bool as_json) {
  HttpClient c(server);
  auto r = c.Get("/v1/cluster");
  if (!r.ok()) {
    std::cerr << "walfs: " << r.status().message() << "\n";
    return kExitError;
  }
  json j = json::parse(r->body, nullptr, false);
  if (r->status != 200 || !j.is_object()) {
    std::cerr << "walfs: HTTP " << r->status << ": " << r->body << "\n";
    return kExitError;
  }
  std::string unhealthy = Unhealthy(j);
  if (as_json) {
    std::cout << j.dump(2) << "\n";
    if (!unhealthy.empty()) std::cerr << "walfs: the cluster is not healthy: " << unhealthy << "\n";
    return unhealthy.empty() ? kExitOk : kExitError;
  }
  const json& log = j["log"];
  if (j.contains("build")) std::cout << "walfs " << BuildOf(j["build"]) << "\n";
  std::cout << "log " << log.value("backend", "") << ": first " << log.value("first", "")
            << ", last " << log.value("last", "") << ", " << log.value("length", 0)
            << " entries held, " << log.value("entries_added", 0) << " ever\n";
  if (log.contains("error")) std::cout << "log error: " << log["error"].get<std::string>() << "\n";
  std::cout << std::left << std::setw(16) << "REPLICA" << std::setw(26) << "ADDRESS"
            << std::setw(22) << "APPLIED" << std::right << std::setw(10) << "LAG" << std::setw(10)
            << "LAG_MS"
            << "  " << std::left << std::setw(34) << "DIGEST"
            << "STATE\n";
  for (const auto& rep : j["replicas"]) {
    std::string state = rep.value("diverged", false) ? "DIVERGED" : "ok";
    if (rep.contains("stopped")) state = "stopped: " + rep["stopped"].get<std::string>();
    std::string id = rep.value("id", "") + (rep.value("self", false) ? " *" : "");
    std::cout << std::left << std::setw(16) << id << std::setw(26) << rep.value("address", "")
              << std::setw(22) << rep.value("applied", "") << std::right << std::setw(10)
              << rep.value("lag_entries", 0) << std::setw(10) << rep.value("lag_ms", 0) << "  "
              << std::left << std::setw(34) << rep.value("digest", "") << state << "\n";
  }
  if (j.value("mixed_builds", false)) {
    // Not unhealthy (a rolling upgrade passes through it), but said.
    std::cout << "builds differ:";
    for (const auto& rep : j["replicas"]) {
      std::cout << "\n  " << rep.value("id", "") << ": " << BuildOf(rep);
    }
    std::cout << "\n";
  }
  if (!unhealthy.empty()) {
    std::cout << "NOT HEALTHY: " << unhealthy << "\n";
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

void RegisterStatus(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto as_json = std::make_shared<bool>(false);
  auto* cmd =
      app.add_subcommand("status", "show every live replica, its lag and digest, and the log");
  cmd->add_flag("--json", *as_json, "print the JSON of GET /v1/cluster");
  cmd->callback([=] { *run = [=] { return RunStatus(*server, *as_json); }; });
}

}  // namespace walfs::cli
