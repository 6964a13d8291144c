// walfs tail [-f] [-n LINES | -c BYTES] PATH: the end of a file, and with
// -f what is appended to it as it lands (GET ?follow). A dropped
// connection is resumed at the byte after the last one printed, on the
// same server once it is back or on the next one --server lists, with a
// strong read so that a server behind the first one waits rather than
// sending less: nothing is printed twice or skipped. A file truncated
// below what was printed is followed again from its start (said on
// stderr); a file deleted or renamed away ends it.
#include <algorithm>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "cli/reconnect.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

// A followed file sends nothing while nothing is appended: the read times
// out and the follow is asked again from where it was (cheap).
constexpr int kFollowReadTimeoutMs = 60000;
constexpr uint64_t kTailWindow = 64 << 10;  // read backwards this much at a time for -n

struct TailArgs {
  std::string path;
  bool follow = false;
  uint64_t lines = 10, bytes = 0;
  bool has_bytes = false;
};

// The file's size, from a strong read; nullopt (said) if it is not a file.
std::optional<uint64_t> SizeOf(const ClientOptions& o, const std::string& path, int* exit_code) {
  HttpClient http(o);
  auto r = http.Get(WalfsClient::FsTarget(path) + "?stat&consistency=strong");
  if (!r.ok() || r->status != 200) {
    *exit_code = PrintAnswer(r, false);
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object() || j.value("type", "") != "file") {
    std::cerr << "walfs: tail: " << path << " is not a file\n";
    *exit_code = kExitError;
    return std::nullopt;
  }
  return j.value("size", uint64_t{0});
}

// Where the last `lines` lines of the first `size` bytes begin.
Result<uint64_t> StartOfLastLines(WalfsClient& c, const std::string& path, uint64_t size,
                                  uint64_t lines) {
  if (lines == 0) return size;
  uint64_t end = size, newlines = 0;
  bool last_byte = true;  // a final newline ends the last line, it does not start one
  while (end > 0) {
    uint64_t start = end > kTailWindow ? end - kTailWindow : 0;
    std::string window;
    auto r = c.Cat(path, start, end - start, [&](const ClientResponse&, std::string_view b) {
      window.append(b);
      return true;
    });
    if (!r.ok()) return r.status();
    if (r->status != 200 && r->status != 206) return Status(Code::kIoError, r->body);
    for (uint64_t i = window.size(); i > 0; --i) {
      if (window[i - 1] == '\n' && !(last_byte && start + i == size)) {
        if (++newlines == lines) return start + i;
      }
      last_byte = false;
    }
    end = start;
  }
  return uint64_t{0};
}

int RunTail(const ClientOptions& server, const TailArgs& a) {
  Reconnect servers(server);
  int code = kExitOk;
  auto size = SizeOf(servers.Now(server.timeout_ms), a.path, &code);
  if (!size) return code;
  uint64_t offset = 0;
  if (a.has_bytes) {
    offset = *size - std::min(*size, a.bytes);
  } else {
    WalfsClient c(servers.Now(server.timeout_ms));
    auto start = StartOfLastLines(c, a.path, *size, a.lines);
    if (!start.ok()) {
      std::cerr << "walfs: tail: " << start.status().message() << "\n";
      return kExitError;
    }
    offset = *start;
  }
  auto print = [&](const ClientResponse&, std::string_view chunk) {
    std::cout.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    std::cout.flush();
    offset += chunk.size();
    return static_cast<bool>(std::cout);
  };
  if (!a.follow) {
    WalfsClient c(servers.Now(server.timeout_ms));
    auto r = c.Cat(a.path, offset, *size - offset, print);
    if (!r.ok() || r->status >= 300) return PrintAnswer(r, false);
    return std::cout ? kExitOk : kExitError;
  }
  for (;;) {
    HttpClient http(servers.Now(kFollowReadTimeoutMs));
    std::string target = WalfsClient::FsTarget(a.path) +
                         "?follow&consistency=strong&offset=" + std::to_string(offset);
    uint64_t before = offset;
    auto r = http.GetStreaming(target, print, {}, /*live=*/true);
    if (!std::cout) return kExitError;
    if (offset > before) servers.Progressed();
    if (r.ok() && (r->status == 200 || r->status == 416)) {
      // The follow ended (or could not start at offset): deleted, renamed
      // away, or truncated below what was printed.
      int exit_code = kExitOk;
      auto now = SizeOf(servers.Now(server.timeout_ms), a.path, &exit_code);
      if (!now) return exit_code;  // gone: said
      if (*now < offset) {
        std::cerr << "walfs: tail: " << a.path << ": file truncated\n";
        offset = 0;
      }
      continue;
    }
    if (r.ok() && r->status >= 400 && r->status < 500 && r->status != 429) {
      return PrintAnswer(r, false);
    }
    if (!r.ok() || r->status >= 500) {
      std::string why = r.ok() ? "answered " + std::to_string(r->status) : r.status().message();
      // A read that timed out on an idle file is not worth a line.
      if (!r.ok() && r.status().message().find("timed out") != std::string::npos) continue;
      std::cerr << "walfs: tail: " << servers.server() << ": " << why << "; resuming at byte "
                << offset << "\n";
    }
    servers.Failed();
  }
}

}  // namespace

void RegisterTail(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<TailArgs>();
  auto* cmd = app.add_subcommand("tail", "print the end of a file; with -f, what is appended too");
  cmd->add_option("path", a->path)->required();
  cmd->add_flag("-f,--follow", a->follow, "keep printing what is appended, until interrupted");
  cmd->add_option("-n,--lines", a->lines, "the last LINES lines (default 10)")
      ->check(NumberIn(0, kU64Max));
  cmd->add_option("-c,--bytes", a->bytes, "the last BYTES bytes instead of lines")
      ->check(NumberIn(0, kU64Max))
      ->each([=](const std::string&) { a->has_bytes = true; });
  cmd->callback([=] { *run = [=] { return RunTail(*server, *a); }; });
}

}  // namespace walfs::cli
