#include <filesystem>

#include "log/local_log.h"
#include "log/log.h"
#include "log/nats_log.h"
#include "log/redis_log.h"

namespace walfs {

Status ValidateLogUrl(const std::string& url) {
  if (url.rfind("redis://", 0) == 0) return ParseRedisUrl(url).status();
  if (url.rfind("nats://", 0) == 0) return ParseNatsUrl(url).status();
  if (url == "memory" || url == "local" || url == "local?fsync=always" ||
      url == "local?fsync=none") {
    return Status::Ok();
  }
  return Status(Code::kBadRequest,
                "unknown log '" + RedactRedisUrl(url) +
                    "': use local, local?fsync=none, memory (tests only) or "
                    "redis://[user:password@]host:port[/db][?stream=NAME] or "
                    "nats://host:port[,host:port...][?stream=NAME][&replicas=N]");
}

Result<std::shared_ptr<Log>> OpenLog(const std::string& url, const std::string& data_dir,
                                     const LogOptions& opts) {
  if (url.rfind("redis://", 0) == 0) {
    auto a = ParseRedisUrl(url);
    if (!a.ok()) return a.status();
    return std::shared_ptr<Log>(std::make_shared<RedisLog>(*a, opts));
  }
  if (url.rfind("nats://", 0) == 0) {
    auto a = ParseNatsUrl(url);
    if (!a.ok()) return a.status();
    return std::shared_ptr<Log>(std::make_shared<NatsLog>(*a, opts));
  }
  if (url == "memory") {
    auto l = LocalLog::Open("", false);
    if (!l.ok()) return l.status();
    return std::shared_ptr<Log>(*l);
  }
  if (url == "local" || url == "local?fsync=always" || url == "local?fsync=none") {
    std::error_code ec;
    std::filesystem::create_directories(data_dir + "/log", ec);
    if (ec) return Status(Code::kIoError, "cannot create " + data_dir + "/log: " + ec.message());
    auto l = LocalLog::Open(data_dir + "/log/local.log", url != "local?fsync=none");
    if (!l.ok()) return l.status();
    return std::shared_ptr<Log>(*l);
  }
  return ValidateLogUrl(url);
}

}  // namespace walfs
