// walfs put PATH [FILE|-]: create or replace a file of any size.
//
// A small file is one PUT. A larger one (or stdin past one part) goes
// through an upload in parts: --parallel parts in flight, each retried on
// a failure of the network or the server, with a progress bar on stderr.
// If it still fails, the upload stays open and `--upload-id` resumes it:
// parts the server already has (same size and MD5) are not sent again.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

struct PutArgs : TransferOptions {
  std::string path, source = "-";
  uint64_t part_bytes = 16ull << 20;
  std::string upload_id;
};

std::string Md5Hex(const std::string& data) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), d, &n, EVP_md5(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 15]);
  }
  return out;
}

// The source cut in parts, handed out in order to whichever sender asks.
class Parts {
 public:
  // prefix: bytes already read from fd, which come first.
  Parts(int fd, uint64_t part_bytes, std::string prefix)
      : fd_(fd), part_bytes_(part_bytes), prefix_(std::move(prefix)) {}
  // The next part's number and bytes; false at the end (or on a read error,
  // which error() then says).
  bool Next(uint32_t* n, std::string* data) {
    std::lock_guard lock(mu_);
    if (ended_) return false;
    size_t got = std::min<size_t>(prefix_.size(), part_bytes_);
    data->assign(prefix_, 0, got);
    prefix_.erase(0, got);
    data->resize(part_bytes_, '\0');
    while (got < data->size() && fd_ >= 0) {
      ssize_t r = ::read(fd_, data->data() + got, data->size() - got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        error_ = "cannot read the input";
        ended_ = true;
        return false;
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    data->resize(got);
    if (got < part_bytes_) ended_ = true;
    if (got == 0 && next_ > 1) return false;  // the end fell on a part boundary
    *n = next_++;
    return true;
  }
  uint32_t count() {
    std::lock_guard lock(mu_);
    return next_ - 1;
  }
  std::string error() {
    std::lock_guard lock(mu_);
    return error_;
  }

 private:
  std::mutex mu_;
  int fd_;
  uint64_t part_bytes_;
  std::string prefix_;
  uint32_t next_ = 1;
  bool ended_ = false;
  std::string error_;
};

bool Retryable(const Result<ClientResponse>& r) {
  return !r.ok() || r->status >= 500 || r->status == 429;
}

int UploadInParts(const ClientOptions& server, const PutArgs& a, int fd,
                  std::optional<uint64_t> size, std::string first) {
  WalfsClient client(server);
  std::string id = a.upload_id;
  std::map<uint32_t, std::pair<uint64_t, std::string>> have;  // part -> size, etag
  if (id.empty()) {
    auto r = client.CreateUpload(a.path, "put");
    if (!r.ok() || r->status != 201) return PrintAnswer(r, false);
    id = json::parse(r->body)["upload_id"];
  } else {
    auto r = client.GetUpload(id);
    if (!r.ok() || r->status != 200) return PrintAnswer(r, false);
    json u = json::parse(r->body);
    if (u["path"] != WalfsClient::Absolute(a.path) || u["op"] != "put") {
      std::cerr << "walfs: upload " << id << " is for " << u["path"].get<std::string>() << ", not "
                << WalfsClient::Absolute(a.path) << "\n";
      return kExitError;
    }
    for (const auto& p : u["parts"]) {
      have[p["part"].get<uint32_t>()] = {p["size"].get<uint64_t>(), p["etag"].get<std::string>()};
    }
  }
  uint64_t part_bytes = a.part_bytes;
  if (size) part_bytes = std::max<uint64_t>(part_bytes, (*size + 9999) / 10000);
  Parts parts(fd, part_bytes, std::move(first));
  Progress progress("put " + WalfsClient::Absolute(a.path), size, ShowProgress(a.progress));
  std::atomic<bool> failed{false};
  std::mutex err_mu;
  std::string err;
  auto sender = [&] {
    WalfsClient c(server, 300000);
    uint32_t n = 0;
    std::string data;
    while (!failed) {
      if (!parts.Next(&n, &data)) break;
      auto known = have.find(n);
      if (known != have.end() && known->second.first == data.size() &&
          known->second.second == "\"" + Md5Hex(data) + "\"") {
        progress.Add(data.size());  // the server has it already
        continue;
      }
      Result<ClientResponse> r = Status(Code::kInternal, "not sent");
      for (int attempt = 0; attempt <= a.retries; ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
        r = c.PutPart(id, n, data);
        if (!Retryable(r)) break;
      }
      if (!r.ok() || r->status != 200) {
        std::lock_guard lock(err_mu);
        if (!failed.exchange(true)) {
          err = !r.ok() ? r.status().message()
                        : "part " + std::to_string(n) + ": HTTP " + std::to_string(r->status) +
                              " " + r->body;
        }
        break;
      }
      progress.Add(data.size());
    }
  };
  std::vector<std::thread> senders;
  for (size_t i = 0; i < std::max<size_t>(1, a.parallel); ++i) senders.emplace_back(sender);
  for (auto& t : senders) t.join();
  progress.Finish();
  std::string read_error = parts.error();
  if (failed || !read_error.empty()) {
    std::cerr << "walfs: " << (read_error.empty() ? err : read_error) << "\n"
              << "walfs: upload " << id << " stays open; resume with: walfs put " << a.path << " "
              << a.source << " --upload-id " << id << "\n";
    return kExitError;
  }
  std::vector<uint32_t> order;
  for (uint32_t n = 1; n <= std::max<uint32_t>(1, parts.count()); ++n) order.push_back(n);
  return PrintAnswer(client.CommitUpload(id, order), true);
}

int RunPut(const ClientOptions& server, const PutArgs& a) {
  int fd = 0;
  std::optional<uint64_t> size;
  if (a.source != "-") {
    fd = ::open(a.source.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
      std::cerr << "walfs: cannot read " << a.source << "\n";
      return kExitError;
    }
    if (S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
  }
  struct Closer {
    int fd;
    ~Closer() {
      if (fd > 0) ::close(fd);
    }
  } closer{fd};
  if (a.upload_id.empty() && (!size || *size <= a.part_bytes)) {
    // Read up to one part: if that is all, it is one PUT.
    std::string data(a.part_bytes + 1, '\0');
    size_t got = 0;
    while (got < data.size()) {
      ssize_t r = ::read(fd, data.data() + got, data.size() - got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        std::cerr << "walfs: cannot read " << a.source << "\n";
        return kExitError;
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    data.resize(got);
    if (got <= a.part_bytes) return PrintAnswer(WalfsClient(server).Put(a.path, data), true);
    // stdin longer than one part: these bytes start part 1.
    return UploadInParts(server, a, fd, size, std::move(data));
  }
  return UploadInParts(server, a, fd, size, "");
}

}  // namespace

void RegisterPut(CLI::App& app, const ClientOptions* server, RunFn* run) {
  auto a = std::make_shared<PutArgs>();
  auto* cmd = app.add_subcommand("put", "create or replace a file with FILE (or stdin), any size");
  cmd->add_option("path", a->path)->required();
  cmd->add_option("file", a->source, "a local file, or - for stdin");
  cmd->add_option("--part-size", a->part_bytes,
                  "bytes per part (larger for files over 10,000 parts)")
      ->check(NumberIn(1, 5ull << 30))
      ->capture_default_str();
  cmd->add_option("--upload-id", a->upload_id,
                  "resume this upload: parts the server has are not sent again");
  AddTransferOptions(cmd, a.get(), "parts sent at once", "part");
  cmd->callback([=] { *run = [=] { return RunPut(*server, *a); }; });
}

}  // namespace walfs::cli
