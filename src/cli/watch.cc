// walfs watch [-r] PATH [--from P] [--count N]: one JSON line per change
// of PATH or its direct children (with -r: anywhere beneath it), from now
// or after P (a position or an event id), until interrupted (or N events).
// A dropped connection is resumed after the last event printed, on the
// same server once it is back or on the next one --server lists: no event
// is printed twice or skipped.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "cli/reconnect.h"
#include "client/sse_parser.h"

namespace walfs::cli {
namespace {

// The server sends a comment line every 15 s (--watch-keepalive-ms): a
// read that waits longer than this finds a dead connection.
constexpr int kWatchReadTimeoutMs = 60000;

struct WatchArgs {
  std::string path, from;
  bool recursive = false;
  uint64_t count = 0;  // 0: until interrupted
};

int RunWatch(const ClientOptions& server, const WatchArgs& a) {
  Reconnect servers(server);
  std::string after = a.from;  // the id of the last event printed
  uint64_t printed = 0;
  for (;;) {
    HttpClient http(servers.Now(kWatchReadTimeoutMs));
    std::string target = "/v1/watch?path=" + EncodeQueryValue(a.path);
    if (a.recursive) target += "&recursive";
    if (!after.empty()) target += "&from=" + EncodeQueryValue(after);
    SseParser sse;
    bool done = false, switch_server = false;
    std::string fatal;
    auto on_event = [&](const SseEvent& ev) {
      if (done || !fatal.empty()) return;  // the rest of a chunk after the last wanted
      auto data = nlohmann::json::parse(ev.data, nullptr, false);
      if (ev.event.empty() || ev.event == "message") {
        if (data.is_object()) data["id"] = ev.id;
        std::cout << (data.is_discarded() ? ev.data : data.dump()) << "\n" << std::flush;
        after = ev.id;
        servers.Progressed();
        done = a.count != 0 && ++printed >= a.count;
        return;
      }
      std::string message = data.is_object() ? data.value("message", "") : ev.data;
      if (ev.event == "lagging" && data.is_object()) {
        after = data.value("resume_from", after);  // read too slowly: again from there
      } else if (ev.event == "gone") {
        fatal = message;
      } else {
        switch_server = true;  // this replica stopped applying
      }
      std::cerr << "walfs: watch: " << ev.event << ": " << message << "\n";
    };
    auto r = http.GetStreaming(
        target,
        [&](const ClientResponse& head, std::string_view chunk) {
          // Started from now: a resume starts where this answer began.
          if (after.empty()) after = head.header("x-walfs-position");
          sse.Feed(chunk, on_event);
          return !done && fatal.empty();
        },
        {}, /*live=*/true);
    if (done) return kExitOk;
    if (!fatal.empty()) return kExitError;
    if (r.ok() && r->status >= 300 && r->status < 500 && r->status != 429) {
      return PrintAnswer(r, false);  // refused (gone, bad request, not found, forbidden)
    }
    if (!r.ok() || r->status >= 500 || switch_server) {
      std::cerr << "walfs: watch: " << servers.server() << ": "
                << (r.ok() ? "answered " + std::to_string(r->status) : r.status().message())
                << "; resuming after " << (after.empty() ? "now" : after) << "\n";
    }
    servers.Failed();
  }
}

}  // namespace

void RegisterWatch(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<WatchArgs>();
  auto* cmd = app.add_subcommand(
      "watch", "print one JSON line per change under a path, resuming after a lost connection");
  cmd->add_option("path", a->path)->required();
  cmd->add_flag("-r,--recursive", a->recursive, "every change beneath the path, not only children");
  cmd->add_option("--from", a->from, "start after this position or event id (default: now)");
  cmd->add_option("--count", a->count, "stop after this many events (default: never)")
      ->check(NumberIn(1, kU64Max));
  cmd->callback([=] { *run = [=] { return RunWatch(*server, *a); }; });
}

}  // namespace walfs::cli
