// RedisLog: the shared log as a Redis stream, through hiredis.
//
// Each entry is a stream entry with two fields: "p", the predecessor's id,
// and "e", the encoded entry. Appends run a Lua script that reads the
// stream's last id and XADDs every entry of a batch chained to it, so the
// predecessor is set atomically with the append (design rule 8) and one
// round trip carries a whole group commit.
// Thread-safety: RedisLog is immutable and thread-safe; each connection is
// owned by one thread.
#pragma once

#include "log/log.h"

namespace walfs {

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string stream = "walfs";
  // Redis ACL credentials (AUTH [user] password on each connection); the
  // password never appears in a message, a log line or Describe().
  std::string user, password;
};

// Parses "redis://[[user]:password@]host:port[/db][?stream=NAME]" (user and
// password percent-decoded). Its errors show the URL without the password.
Result<RedisAddress> ParseRedisUrl(const std::string& url);
// The URL with its password, if any, replaced by "***".
std::string RedactRedisUrl(const std::string& url);

class RedisLog final : public Log {
 public:
  RedisLog(RedisAddress addr, LogOptions opts) : addr_(std::move(addr)), opts_(opts) {}
  Result<std::unique_ptr<LogConnection>> Connect() override;
  std::string Describe() const override;

 private:
  RedisAddress addr_;
  LogOptions opts_;
};

}  // namespace walfs
