// BackupStore: where snapshots go. A flat namespace of keys (with '/' as a
// separator by convention) holding immutable objects.
//
//   dir:///abs/path          a directory (objects are files; writes are
//                            atomic: a temporary file renamed into place)
//   s3://bucket/prefix       an S3 bucket through libcurl with AWS SigV4
//                            (path-style; endpoint, region and keys from
//                            S3Options)
// Thread-safety: implementations are safe to use from one thread at a time;
// open one per thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace walfs {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

class BackupStore {
 public:
  virtual ~BackupStore() = default;
  virtual Status PutFile(const std::string& key, const std::string& local_path) = 0;
  virtual Status PutBytes(const std::string& key, const std::string& bytes) = 0;
  virtual Status GetFile(const std::string& key, const std::string& local_path) = 0;
  virtual Result<std::string> GetBytes(const std::string& key) = 0;
  // Objects whose keys start with prefix, sorted by key.
  virtual Result<std::vector<ObjectInfo>> List(const std::string& prefix) = 0;
  virtual Status Delete(const std::string& key) = 0;
  virtual std::string Describe() const = 0;
};

struct S3Options {
  std::string endpoint = "https://s3.amazonaws.com";  // env WALFS_S3_ENDPOINT
  std::string region = "us-east-1";                   // env WALFS_S3_REGION
  std::string access_key;                             // env AWS_ACCESS_KEY_ID
  std::string secret_key;                             // env AWS_SECRET_ACCESS_KEY
  uint32_t timeout_ms = 300000;                       // one request
};

// Fills the options from the environment where they are empty.
void S3OptionsFromEnv(S3Options* o);

Result<std::unique_ptr<BackupStore>> OpenBackupStore(const std::string& url, const S3Options& s3);

}  // namespace walfs
