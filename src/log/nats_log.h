// NatsLog: the shared log as a NATS JetStream stream, through libnats.
//
// Positions are stream sequence numbers with a tag, "<seq>-<tag>" (so that
// they order and parse like every other position, and a log seeded after a
// restored Redis position continues above it): the tag is 32 bits of the
// message id's hash, so that two messages stored at one sequence (a loss
// the servers made up for) are two positions. Each entry is one message on
// the stream's subject with the encoded entry as its data and headers:
//   Walfs-Prev                   the predecessor's position, tag included
//                                (design rule 8)
//   Nats-Expected-Last-Sequence  the predecessor's sequence: JetStream
//                                refuses the publish if another came first,
//                                so an entry is never written after a hole
//   Nats-Expected-Last-Msg-Id    (after the first of a batch) the id of the
//                                one before it: a batch stays in order even
//                                when one of its publishes raced another
//   Nats-Msg-Id                  unique per entry: a publish retried after
//                                a lost acknowledgement is not stored twice;
//                                its hash is the position's tag
// A batch is published pipelined (one round trip for a group commit); a
// publish that raced another is sent again, chained to the new last entry.
// The entry's log time is the message's timestamp, set by the stream's
// leader and identical on every server (LogRecord::time_ms).
// Trimming is a purge below a sequence; heartbeats and leases live in a
// JetStream key-value bucket beside the stream ("<stream>-meta").
// Thread-safety: NatsLog is thread-safe; each connection is owned by one
// thread.
#pragma once

#include <string>
#include <vector>

#include "log/log.h"

namespace walfs {

struct NatsAddress {
  std::vector<std::string> servers;  // "nats://host:port"
  std::string stream = "walfs";
  std::string subject;  // "walfs.<stream>" unless given
  int replicas = 3;
};

// Parses "nats://host:port[,host:port...][?stream=NAME][&replicas=N][&subject=S]".
Result<NatsAddress> ParseNatsUrl(const std::string& url);

class NatsLog final : public Log {
 public:
  NatsLog(NatsAddress addr, LogOptions opts) : addr_(std::move(addr)), opts_(opts) {}
  Result<std::unique_ptr<LogConnection>> Connect() override;
  std::string Describe() const override;

 private:
  NatsAddress addr_;
  LogOptions opts_;
};

}  // namespace walfs
