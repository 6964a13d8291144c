#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include "backup/backup_store.h"
#include "backup/s3_store.h"

namespace walfs {
namespace fs = std::filesystem;
namespace {

Status Io(const std::string& what, const std::error_code& ec) {
  return Status(Code::kIoError, what + ": " + ec.message());
}

class DirStore final : public BackupStore {
 public:
  explicit DirStore(std::string root) : root_(std::move(root)) {}

  Status PutFile(const std::string& key, const std::string& local) override {
    std::error_code ec;
    fs::path dst = Path(key), tmp = TempName(dst);
    fs::create_directories(dst.parent_path(), ec);
    if (ec) return Io("create " + dst.parent_path().string(), ec);
    fs::copy_file(local, tmp, fs::copy_options::overwrite_existing, ec);
    if (ec) return Io("copy " + local, ec);
    return Commit(tmp, dst);
  }

  Status PutBytes(const std::string& key, const std::string& bytes) override {
    std::error_code ec;
    fs::path dst = Path(key), tmp = TempName(dst);
    fs::create_directories(dst.parent_path(), ec);
    if (ec) return Io("create " + dst.parent_path().string(), ec);
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!f.flush()) return Status(Code::kIoError, "write " + tmp.string());
    }
    return Commit(tmp, dst);
  }

  Status GetFile(const std::string& key, const std::string& local) override {
    std::error_code ec;
    fs::copy_file(Path(key), local, fs::copy_options::overwrite_existing, ec);
    if (ec) return NotFoundOr(key, ec);
    return Status::Ok();
  }

  Result<std::string> GetBytes(const std::string& key) override {
    std::ifstream f(Path(key), std::ios::binary);
    if (!f) return Status(Code::kNotFound, key + " is not in " + Describe());
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    // Other replicas write and delete in the same directory while this one
    // lists it: a file or directory that vanishes mid-listing is left out,
    // and a listing cut short by a vanished directory is started again.
    std::error_code ec;
    for (int attempt = 0;; ++attempt) {
      std::vector<ObjectInfo> out;
      ec.clear();
      if (!fs::exists(root_, ec)) return out;
      for (auto it = fs::recursive_directory_iterator(root_, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        std::error_code gone;
        if (!it->is_regular_file(gone)) continue;
        std::string key = it->path().lexically_relative(root_).string();
        if (key.size() > 4 && key.compare(key.size() - 4, 4, ".tmp") == 0) continue;
        if (key.compare(0, prefix.size(), prefix) != 0) continue;
        uint64_t size = it->file_size(gone);
        if (!gone) out.push_back({key, size});
      }
      if (!ec) {
        std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.key < b.key; });
        return out;
      }
      if (ec != std::errc::no_such_file_or_directory || attempt == 4) break;
    }
    return Io("list " + root_, ec);
  }

  Status Delete(const std::string& key) override {
    std::error_code ec;
    fs::remove(Path(key), ec);
    return ec ? Io("delete " + key, ec) : Status::Ok();
  }

  std::string Describe() const override { return "dir://" + root_; }

 private:
  fs::path Path(const std::string& key) const { return fs::path(root_) / key; }

  // Replicas sharing the directory may put the same key (a shared table
  // file) at once: each writes its own temporary file and renames it.
  static fs::path TempName(const fs::path& dst) {
    static std::atomic<uint64_t> seq{0};
    return dst.string() + "." + std::to_string(::getpid()) + "-" + std::to_string(++seq) + ".tmp";
  }

  // fsync the new file, rename it into place, fsync the directory.
  static Status Commit(const fs::path& tmp, const fs::path& dst) {
    int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      if (fd >= 0) ::close(fd);
      return Status(Code::kIoError, "fsync " + tmp.string());
    }
    ::close(fd);
    std::error_code ec;
    fs::rename(tmp, dst, ec);
    if (ec) return Io("rename " + tmp.string(), ec);
    int dfd = ::open(dst.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
    return Status::Ok();
  }

  Status NotFoundOr(const std::string& key, const std::error_code& ec) const {
    if (ec == std::errc::no_such_file_or_directory)
      return Status(Code::kNotFound, key + " is not in " + Describe());
    return Io("read " + key, ec);
  }

  std::string root_;
};

}  // namespace

void S3OptionsFromEnv(S3Options* o) {
  auto env = [](const char* name, std::string* out) {
    const char* v = std::getenv(name);
    if (v != nullptr && out->empty()) *out = v;
  };
  std::string endpoint, region;
  env("WALFS_S3_ENDPOINT", &endpoint);
  env("WALFS_S3_REGION", &region);
  if (!endpoint.empty()) o->endpoint = endpoint;
  if (!region.empty()) o->region = region;
  env("AWS_ACCESS_KEY_ID", &o->access_key);
  env("AWS_SECRET_ACCESS_KEY", &o->secret_key);
}

Result<std::unique_ptr<BackupStore>> OpenBackupStore(const std::string& url, const S3Options& s3) {
  if (url.rfind("dir://", 0) == 0) {
    std::string root = url.substr(6);
    if (root.empty() || root[0] != '/') {
      return Status(Code::kBadRequest, "backup URL " + url + ": use dir:///an/absolute/path");
    }
    return std::unique_ptr<BackupStore>(std::make_unique<DirStore>(root));
  }
  if (url.rfind("s3://", 0) == 0) return OpenS3Store(url, s3);
  return Status(Code::kBadRequest,
                "unknown backup URL " + url + ": use dir:///path or s3://bucket/prefix");
}

}  // namespace walfs
