// walfs get PATH [FILE|-]: download a file of any size.
//
// To stdout, one streamed read. To a file, --parallel ranges at once, each
// written in place as it arrives and retried on a failure; every range is
// read at the version the download started from (If-Match), so a file that
// changes meanwhile fails the download instead of mixing two versions.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/answer.h"
#include "cli/commands.h"
#include "cli/number_arg.h"
#include "cli/progress.h"
#include "cli/transfer_options.h"
#include "client/walfs_client.h"

namespace walfs::cli {
namespace {

using nlohmann::json;

struct GetArgs : TransferOptions {
  std::string path, dest = "-";
  uint64_t range_bytes = 16ull << 20;
};

int ToStdout(const ClientOptions& server, const GetArgs& a, uint64_t size) {
  Progress progress("get " + WalfsClient::Absolute(a.path), size, ShowProgress(a.progress));
  auto r = WalfsClient(server).Cat(
      a.path, std::nullopt, std::nullopt, [&](const ClientResponse&, std::string_view chunk) {
        std::cout.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        progress.Add(chunk.size());
        return static_cast<bool>(std::cout);
      });
  progress.Finish();
  if (!r.ok() || r->status >= 300) return PrintAnswer(r, false);
  std::cout.flush();
  return std::cout ? kExitOk : kExitError;
}

int ToFile(const ClientOptions& server, const GetArgs& a, uint64_t size,
           const std::string& version) {
  int fd = ::open(a.dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    std::cerr << "walfs: cannot write " << a.dest << "\n";
    if (fd >= 0) ::close(fd);
    return kExitError;
  }
  Progress progress("get " + WalfsClient::Absolute(a.path), size, ShowProgress(a.progress));
  uint64_t ranges = (size + a.range_bytes - 1) / a.range_bytes;
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex err_mu;
  std::string err;
  auto fail = [&](std::string why) {
    std::lock_guard lock(err_mu);
    if (!failed.exchange(true)) err = std::move(why);
  };
  auto reader = [&] {
    WalfsClient c(server, 300000);
    for (uint64_t i = next++; i < ranges && !failed; i = next++) {
      uint64_t offset = i * a.range_bytes;
      uint64_t length = std::min(a.range_bytes, size - offset);
      Result<ClientResponse> r = Status(Code::kInternal, "not read");
      for (int attempt = 0; attempt <= a.retries && !failed; ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
        uint64_t at = offset;
        bool write_failed = false;
        r = c.ReadRange(a.path, offset, length, version,
                        [&](const ClientResponse&, std::string_view chunk) {
                          if (::pwrite(fd, chunk.data(), chunk.size(), static_cast<off_t>(at)) !=
                              static_cast<ssize_t>(chunk.size())) {
                            write_failed = true;
                            return false;
                          }
                          at += chunk.size();
                          return true;
                        });
        if (write_failed) {
          fail("cannot write " + a.dest);
          return;
        }
        if (r.ok() && r->status < 300 && at == offset + length) {
          progress.Add(length);
          break;
        }
        if (r.ok() && r->status < 500) break;  // not worth retrying
      }
      if (!r.ok()) {
        fail(r.status().message());
      } else if (r->status == 412) {
        fail(WalfsClient::Absolute(a.path) + " changed during the download");
      } else if (r->status >= 300) {
        fail("HTTP " + std::to_string(r->status) + " " + r->body);
      }
    }
  };
  std::vector<std::thread> readers;
  for (size_t i = 0; i < std::max<size_t>(1, a.parallel); ++i) readers.emplace_back(reader);
  for (auto& t : readers) t.join();
  progress.Finish();
  bool closed = ::close(fd) == 0;
  if (failed || !closed) {
    std::cerr << "walfs: " << (failed ? err : "cannot write " + a.dest) << "\n";
    return kExitError;
  }
  return kExitOk;
}

int RunGet(const ClientOptions& server, const GetArgs& a) {
  auto st = WalfsClient(server).Stat(a.path);
  if (!st.ok() || st->status != 200) return PrintAnswer(st, false);
  json j = json::parse(st->body);
  if (j["type"] != "file") {
    std::cerr << "walfs: " << WalfsClient::Absolute(a.path) << " is a directory\n";
    return kExitError;
  }
  uint64_t size = j["size"].get<uint64_t>();
  if (a.dest == "-") return ToStdout(server, a, size);
  return ToFile(server, a, size, j["version"].get<std::string>());
}

}  // namespace

void RegisterGet(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<GetArgs>();
  auto* cmd = app.add_subcommand("get", "download a file to FILE (or stdout), any size");
  cmd->add_option("path", a->path)->required();
  cmd->add_option("file", a->dest, "a local file, or - for stdout");
  AddTransferOptions(cmd, a.get(), "ranges read at once (to a file)", "range");
  cmd->add_option("--range-size", a->range_bytes, "bytes per range")
      ->check(NumberIn(1, 1ull << 40))
      ->capture_default_str();
  cmd->callback([=] { *run = [=] { return RunGet(*server, *a); }; });
}

}  // namespace walfs::cli
