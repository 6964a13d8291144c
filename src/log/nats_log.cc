#include "log/nats_log.h"

#include <nats/nats.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <random>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "runtime/wall_clock.h"

namespace walfs {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kPrevHeader = "Walfs-Prev";
// Room left in a message for its headers and the entry's own framing.
constexpr int64_t kHeaderRoom = 64 << 10;
// A stream seeded after a restored position says so in its description:
// its positions are its sequences plus that base.
constexpr std::string_view kBasePrefix = "walfs: positions are sequences plus ";

// The owners of libnats's objects.
template <class T, void (*Destroy)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p != nullptr) Destroy(p);
  }
};
template <class T, void (*Destroy)(T*)>
using Owned = std::unique_ptr<T, Deleter<T, Destroy>>;
using Msg = Owned<natsMsg, natsMsg_Destroy>;
using StreamInfo = Owned<jsStreamInfo, jsStreamInfo_Destroy>;
using KvEntry = Owned<kvEntry, kvEntry_Destroy>;
using MetaData = Owned<jsMsgMetaData, jsMsgMetaData_Destroy>;

std::string Why(natsStatus s) {
  const char* last = nats_GetLastError(nullptr);
  return last != nullptr && *last != '\0' ? last : natsStatus_GetText(s);
}

// The second half of an entry's position: 32 bits of its message id's hash.
// A sequence alone cannot tell two messages apart: after a loss (the NATS
// servers of a quorum all killed before they wrote what they had
// acknowledged) the next publish takes the lost one's sequence, and a
// replica that applied the lost one would not see that the entry after it
// follows another. With the tag, its predecessor is not what the replica
// applied, and it stops (design rule 8).
uint64_t Tag(std::string_view msg_id) { return Checksum64(msg_id) & 0xffffffffu; }

// A replica id or lease name as a key of the bucket: letters, digits, '-'
// and '_' as they are, every other byte as "=XX".
std::string KeyPart(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '=' + ToHex(std::string_view(reinterpret_cast<const char*>(&c), 1));
    }
  }
  return out.empty() ? "=" : out;
}

// A bucket value: its time to live in ms, a newline, then the value.
std::string TimedValue(uint32_t ttl_ms, std::string_view v) {
  return std::to_string(ttl_ms) + "\n" + std::string(v);
}

// The value of a bucket entry, if it is still alive (the server's time of
// the put plus its ttl is after now: the clocks of the NATS servers and of
// the replicas are assumed in step, as NTP keeps them).
std::optional<std::string> LiveValue(kvEntry* e) {
  std::string_view v(static_cast<const char*>(kvEntry_Value(e)),
                     static_cast<size_t>(kvEntry_ValueLen(e)));
  size_t nl = v.find('\n');
  uint64_t ttl = 0;
  if (nl == std::string_view::npos ||
      std::from_chars(v.data(), v.data() + nl, ttl).ec != std::errc()) {
    return std::nullopt;
  }
  uint64_t put_ms = static_cast<uint64_t>(kvEntry_Created(e)) / 1000000;
  if (put_ms + ttl <= WallClockMs()) return std::nullopt;
  return std::string(v.substr(nl + 1));
}

class NatsConnection final : public LogConnection {
 public:
  NatsConnection(NatsAddress addr, LogOptions opts) : addr_(std::move(addr)), opts_(opts) {
    std::random_device rd;
    nonce_ = ToHex(std::to_string(rd()) + std::to_string(rd())).substr(0, 16);
  }
  ~NatsConnection() override { Drop(); }

  Status Connect();
  Result<std::vector<Position>> Append(const std::vector<std::string>& payloads) override;
  Result<std::vector<LogRecord>> Read(Position after, size_t max,
                                      std::chrono::milliseconds block) override;
  Result<Position> Last() override;
  Result<LogTail> Tail() override;
  Result<uint64_t> Bytes() override;
  uint64_t EntryBytesMax() override {
    if (!Ready().ok()) return 0;
    int64_t max = natsConnection_GetMaxPayload(nc_);
    return max > kHeaderRoom ? static_cast<uint64_t>(max - kHeaderRoom) : 0;
  }
  Status Trim(Position min_keep) override;
  Status PutHeartbeat(const std::string& id, const std::string& json, uint32_t ttl_ms) override;
  Result<std::vector<std::string>> Heartbeats() override;
  Result<bool> AcquireLease(const std::string& name, const std::string& holder,
                            uint32_t ttl_ms) override;
  Status Seed(Position after, const std::string& empty_entry) override;
  Result<Holding> Holds(Position p) override;
  bool AcknowledgesOnQuorum() const override { return addr_.replicas > 1; }

 private:
  // One message of a pipelined publish.
  struct Publish {
    const std::string* payload;
    std::string id;
    uint64_t expect_last;  // the sequence it must follow
    std::string expect_last_id;
    Position prev;
  };
  // What JetStream answered a publish: its sequence, or the error.
  struct Ack {
    uint64_t seq = 0;
    int err_code = 0;  // 0: stored (or a duplicate of one stored)
    bool duplicate = false;
    std::string error;
  };

  Status Ready();
  void Drop();
  Status EnsureStream();
  Status EnsureBucket();
  Result<StreamInfo> Info();
  // The stream's last message (its sequence and tag; sequence 0 if none),
  // or the message at seq.
  struct Entry {
    uint64_t seq = 0;
    uint64_t tag = 0;
  };
  Result<Entry> LastEntry();
  Result<Entry> EntryAt(uint64_t seq);
  Result<Entry> EntryOf(natsStatus s, natsMsg* raw, const std::string& what);
  // Sends the messages pipelined and waits until deadline for their acks
  // (nullopt where none came).
  Result<std::vector<std::optional<Ack>>> PublishAll(const std::vector<Publish>& msgs,
                                                     Clock::time_point deadline);
  Status Subscribe(uint64_t start);
  // A message's position (its sequence and tag), and the sequence of a
  // position (0 for one below this stream's first).
  Position Pos(uint64_t seq, uint64_t tag) const {
    return seq == 0 ? Position{} : Position{seq + base_, tag};
  }
  uint64_t Seq(Position p) const { return p.ms > base_ ? p.ms - base_ : 0; }
  Status Unavailable(const std::string& what, natsStatus s) {
    return Status(Code::kLogUnavailable, "NATS: " + what + ": " + Why(s));
  }

  NatsAddress addr_;
  LogOptions opts_;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  kvStore* kv_ = nullptr;
  natsSubscription* acks_ = nullptr;    // the inbox publishes are answered on
  natsSubscription* reader_ = nullptr;  // an ordered consumer
  std::string inbox_;
  std::string nonce_;       // makes message ids unique to this connection
  uint64_t ids_ = 0;        // message ids handed out
  uint64_t rounds_ = 0;     // pipelined publishes sent (tags their acks)
  uint64_t next_read_ = 0;  // the sequence the reader delivers next
  uint64_t pending_ = 0;    // what the stream held after it, as last known
  uint64_t base_ = 0;       // positions are sequences plus this (Seed)
  // The last entry this connection appended, while it is believed to be
  // the stream's last: the next append follows it without asking (its
  // first publish then also expects that message id, so a stale belief is
  // refused by the server and the stream is asked).
  std::optional<Entry> appended_last_;
  std::string appended_last_id_;
};

Status NatsConnection::Connect() {
  if (nc_ != nullptr) return Status::Ok();
  natsOptions* o = nullptr;
  natsStatus s = natsOptions_Create(&o);
  Owned<natsOptions, natsOptions_Destroy> opts(o);
  std::vector<const char*> servers;
  for (const auto& u : addr_.servers) servers.push_back(u.c_str());
  if (s == NATS_OK) s = natsOptions_SetServers(o, servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetTimeout(o, opts_.connect_timeout_ms);
  // Reconnects run in libnats's own thread, to whichever server answers;
  // the calls in between fail with a timeout and are retried by callers.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(o, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(o, 100);
  if (s == NATS_OK) s = natsOptions_SetNoRandomize(o, false);
  // A server that stops answering (frozen, or behind a partition that
  // drops packets) is left after two missed pings a second apart, not the
  // default two minutes.
  if (s == NATS_OK) s = natsOptions_SetPingInterval(o, 1000);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(o, 2);
  if (s == NATS_OK) s = natsConnection_Connect(&nc_, o);
  if (s != NATS_OK) {
    Drop();
    return Unavailable("cannot reach " + addr_.servers.front(), s);
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = opts_.command_timeout_ms;
  s = natsConnection_JetStream(&js_, nc_, &jo);
  if (s == NATS_OK) {
    inbox_ = "_INBOX.walfs." + nonce_;
    s = natsConnection_SubscribeSync(&acks_, nc_, (inbox_ + ".>").c_str());
  }
  if (s != NATS_OK) {
    Drop();
    return Unavailable("JetStream", s);
  }
  Status st = EnsureStream();
  if (!st.ok()) Drop();
  return st;
}

void NatsConnection::Drop() {
  if (reader_ != nullptr) natsSubscription_Destroy(reader_);
  if (acks_ != nullptr) natsSubscription_Destroy(acks_);
  if (kv_ != nullptr) kvStore_Destroy(kv_);
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (nc_ != nullptr) natsConnection_Destroy(nc_);
  reader_ = acks_ = nullptr;
  kv_ = nullptr;
  js_ = nullptr;
  nc_ = nullptr;
}

Status NatsConnection::Ready() { return nc_ != nullptr ? Status::Ok() : Connect(); }

// The stream: created if absent, checked if present (its subject, its
// replicas, and no limits of its own: walfs trims it itself).
Status NatsConnection::EnsureStream() {
  // Making a replicated stream places it and elects its leader: seconds,
  // not a round trip.
  jsOptions slow;
  jsOptions_Init(&slow);
  slow.Wait = std::max<int64_t>(opts_.command_timeout_ms, 15000);
  jsStreamInfo* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw, js_, addr_.stream.c_str(), &slow, &jerr);
  StreamInfo si(raw);
  if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
    jsStreamConfig c;
    jsStreamConfig_Init(&c);
    const char* subjects[] = {addr_.subject.c_str()};
    c.Name = addr_.stream.c_str();
    c.Subjects = subjects;
    c.SubjectsLen = 1;
    c.Storage = js_FileStorage;
    c.Replicas = addr_.replicas;
    c.Discard = js_DiscardNew;
    c.Retention = js_LimitsPolicy;
    jsStreamInfo* created = nullptr;
    s = js_AddStream(&created, js_, &c, &slow, &jerr);
    StreamInfo owned(created);
    // Another replica may have created it meanwhile: checked below.
    if (s != NATS_OK) {
      raw = nullptr;
      s = js_GetStreamInfo(&raw, js_, addr_.stream.c_str(), &slow, &jerr);
      si.reset(raw);
      if (s != NATS_OK) return Unavailable("cannot create the stream " + addr_.stream, s);
    } else {
      spdlog::warn("created the NATS stream {} ({} replicas, subject {})", addr_.stream,
                   addr_.replicas, addr_.subject);
      si = std::move(owned);
    }
  } else if (s != NATS_OK) {
    return Unavailable("stream " + addr_.stream, s);
  }
  const jsStreamConfig* c = si->Config;
  bool has_subject = false;
  for (int i = 0; i < c->SubjectsLen; ++i) has_subject |= addr_.subject == c->Subjects[i];
  std::string wrong;
  if (!has_subject) wrong = "it does not take the subject " + addr_.subject;
  if (c->Replicas != addr_.replicas && !(c->Replicas == 0 && addr_.replicas == 1)) {
    wrong = "it has " + std::to_string(c->Replicas) + " replicas, not " +
            std::to_string(addr_.replicas);
  }
  if (c->MaxAge != 0 || c->MaxMsgs > 0 || c->MaxBytes > 0 || c->MaxMsgsPerSubject > 0) {
    wrong = "it has limits of its own (walfs trims the stream itself)";
  }
  if (c->Retention != js_LimitsPolicy) wrong = "its retention is not 'limits'";
  if (c->Storage != js_FileStorage) wrong = "its storage is not 'file'";
  if (!wrong.empty()) {
    return Status(Code::kLogUnavailable,
                  "the NATS stream " + addr_.stream + " does not fit walfs: " + wrong);
  }
  base_ = 0;
  if (c->Description != nullptr) {
    std::string_view d(c->Description);
    if (d.rfind(kBasePrefix, 0) == 0) {
      d.remove_prefix(kBasePrefix.size());
      if (std::from_chars(d.data(), d.data() + d.size(), base_).ec != std::errc()) {
        return Status(Code::kLogUnavailable, "the NATS stream " + addr_.stream +
                                                 " has a bad description: " + c->Description);
      }
    }
  }
  return Status::Ok();
}

Status NatsConnection::EnsureBucket() {
  if (kv_ != nullptr) return Status::Ok();
  std::string bucket = addr_.stream + "-meta";
  natsStatus s = js_KeyValue(&kv_, js_, bucket.c_str());
  if (s == NATS_NOT_FOUND) {
    kvConfig c;
    kvConfig_Init(&c);
    c.Bucket = bucket.c_str();
    c.History = 1;
    c.StorageType = js_FileStorage;
    c.Replicas = addr_.replicas;
    s = js_CreateKeyValue(&kv_, js_, &c);
    if (s != NATS_OK) s = js_KeyValue(&kv_, js_, bucket.c_str());  // created meanwhile
  }
  if (s != NATS_OK) return Unavailable("key-value bucket " + bucket, s);
  return Status::Ok();
}

Result<StreamInfo> NatsConnection::Info() {
  WALFS_RETURN_IF_ERROR(Ready());
  jsStreamInfo* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw, js_, addr_.stream.c_str(), nullptr, &jerr);
  StreamInfo si(raw);
  if (s != NATS_OK) return Unavailable("stream " + addr_.stream, s);
  return si;
}

Result<NatsConnection::Entry> NatsConnection::EntryOf(natsStatus s, natsMsg* raw,
                                                      const std::string& what) {
  Msg m(raw);
  if (s == NATS_NOT_FOUND) return Entry{};
  if (s != NATS_OK) return Unavailable(what, s);
  const char* id = nullptr;
  if (natsMsgHeader_Get(m.get(), "Nats-Msg-Id", &id) != NATS_OK) {
    return Status(Code::kCorruption, "stream message " +
                                         std::to_string(natsMsg_GetSequence(m.get())) +
                                         " was not written by walfs");
  }
  return Entry{natsMsg_GetSequence(m.get()), Tag(id)};
}

Result<NatsConnection::Entry> NatsConnection::LastEntry() {
  WALFS_RETURN_IF_ERROR(Ready());
  natsMsg* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s =
      js_GetLastMsg(&raw, js_, addr_.stream.c_str(), addr_.subject.c_str(), nullptr, &jerr);
  return EntryOf(s, raw, "the last entry of " + addr_.stream);
}

Result<NatsConnection::Entry> NatsConnection::EntryAt(uint64_t seq) {
  WALFS_RETURN_IF_ERROR(Ready());
  natsMsg* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetMsg(&raw, js_, addr_.stream.c_str(), seq, nullptr, &jerr);
  return EntryOf(s, raw, "entry " + std::to_string(seq) + " of " + addr_.stream);
}

Result<LogConnection::Holding> NatsConnection::Holds(Position p) {
  if (p == Position{}) return Holding::kHeld;
  uint64_t seq = Seq(p);
  if (seq == 0) return Holding::kUnknown;  // the position this stream was seeded after, or below
  auto si = Info();
  if (!si.ok()) return si.status();
  const jsStreamState& st = (*si)->State;
  // Beyond the end is not called replaced: the leader may not have applied
  // all it committed yet, and a replica never reads what was not stored.
  if (st.Msgs == 0 || seq < st.FirstSeq || seq > st.LastSeq) return Holding::kUnknown;
  auto at = EntryAt(seq);
  if (!at.ok()) return at.status();
  if (at->seq != seq) return Holding::kUnknown;  // not found: deleted, or trimmed meanwhile
  return at->tag == p.seq ? Holding::kHeld : Holding::kReplaced;
}

Result<std::vector<std::optional<NatsConnection::Ack>>> NatsConnection::PublishAll(
    const std::vector<Publish>& msgs, Clock::time_point deadline) {
  std::string tag = inbox_ + "." + std::to_string(++rounds_) + ".";
  for (size_t i = 0; i < msgs.size(); ++i) {
    const Publish& p = msgs[i];
    natsMsg* raw = nullptr;
    natsStatus s = natsMsg_Create(&raw, addr_.subject.c_str(), (tag + std::to_string(i)).c_str(),
                                  p.payload->data(), static_cast<int>(p.payload->size()));
    Msg m(raw);
    std::string expect = std::to_string(p.expect_last);
    std::string prev = p.prev.ToString();
    if (s == NATS_OK) s = natsMsgHeader_Set(m.get(), "Nats-Msg-Id", p.id.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(m.get(), "Nats-Expected-Last-Sequence", expect.c_str());
    if (s == NATS_OK && !p.expect_last_id.empty()) {
      s = natsMsgHeader_Set(m.get(), "Nats-Expected-Last-Msg-Id", p.expect_last_id.c_str());
    }
    if (s == NATS_OK) s = natsMsgHeader_Set(m.get(), kPrevHeader, prev.c_str());
    if (s == NATS_OK) s = natsConnection_PublishMsg(nc_, m.get());
    if (s == NATS_MAX_PAYLOAD) {
      return Status(Code::kTooLarge, "an entry of " + std::to_string(p.payload->size()) +
                                         " bytes is over the NATS servers' max_payload (" +
                                         std::to_string(natsConnection_GetMaxPayload(nc_)) +
                                         " bytes)");
    }
    if (s != NATS_OK) {
      // Nothing of this batch reached JetStream unless an earlier one did.
      return Status(i == 0 ? Code::kLogUnavailable : Code::kTimeout, "NATS: publish: " + Why(s));
    }
  }
  natsConnection_Flush(nc_);
  std::vector<std::optional<Ack>> acks(msgs.size());
  size_t got = 0;
  while (got < msgs.size()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    natsMsg* raw = nullptr;
    natsStatus s = natsSubscription_NextMsg(&raw, acks_, left.count());
    Msg m(raw);
    if (s == NATS_TIMEOUT) break;
    if (s != NATS_OK) return Status(Code::kTimeout, "NATS: publish acks: " + Why(s));
    std::string_view subj = natsMsg_GetSubject(m.get());
    if (subj.rfind(tag, 0) != 0) continue;  // a late ack of an earlier round
    size_t i = 0;
    subj.remove_prefix(tag.size());
    if (std::from_chars(subj.data(), subj.data() + subj.size(), i).ec != std::errc() ||
        i >= acks.size() || acks[i]) {
      continue;
    }
    Ack a;
    auto j =
        nlohmann::json::parse(std::string_view(natsMsg_GetData(m.get()),
                                               static_cast<size_t>(natsMsg_GetDataLength(m.get()))),
                              nullptr, false);
    // An error answer has a "seq" too (0): the error is looked at first.
    if (j.is_object() && j.contains("error") && j["error"].is_object()) {
      a.err_code = j["error"].value("err_code", -1);
      a.error = j["error"].value("description", std::string("unknown error"));
    } else if (j.is_object() && j.contains("seq") && j["seq"].is_number_unsigned() &&
               j["seq"].get<uint64_t>() > 0) {
      a.seq = j["seq"].get<uint64_t>();
      a.duplicate = j.value("duplicate", false);
    } else {
      // No JetStream behind the subject (an empty "503 no responders").
      a.err_code = -1;
      a.error = "no answer from JetStream for " + addr_.subject;
    }
    acks[i] = std::move(a);
    ++got;
  }
  return acks;
}

Result<std::vector<Position>> NatsConnection::Append(const std::vector<std::string>& payloads) {
  WALFS_RETURN_IF_ERROR(Ready());
  auto deadline = Clock::now() + std::chrono::milliseconds(opts_.command_timeout_ms);
  std::vector<std::string> ids;
  for (size_t i = 0; i < payloads.size(); ++i) ids.push_back(nonce_ + "-" + std::to_string(++ids_));
  std::vector<Position> out;
  bool maybe_sent = false;  // some publish may be stored, unacknowledged
  while (out.size() < payloads.size()) {
    bool believed = appended_last_.has_value();
    auto last = believed ? Result<Entry>(*appended_last_) : LastEntry();
    appended_last_.reset();  // set again once this round is all stored
    if (!last.ok()) {
      if (!maybe_sent && out.empty()) return last.status();
      return Status(Code::kTimeout, last.status().message());
    }
    std::vector<Publish> msgs;
    for (size_t i = out.size(); i < payloads.size(); ++i) {
      uint64_t expect = last->seq + (i - out.size());
      bool first = i == out.size();
      std::string expect_id = !first ? ids[i - 1] : believed ? appended_last_id_ : std::string();
      Position prev = first ? Pos(last->seq, last->tag) : Pos(expect, Tag(ids[i - 1]));
      msgs.push_back(Publish{&payloads[i], ids[i], expect, std::move(expect_id), prev});
    }
    maybe_sent = true;
    auto acks = PublishAll(msgs, deadline);
    if (!acks.ok()) {
      if (acks.status().code() == Code::kTooLarge || out.empty()) return acks.status();
      return Status(Code::kTimeout, acks.status().message());
    }
    bool raced = false, had_duplicate = false;
    for (const auto& a : *acks) {
      if (!a) break;  // unanswered: sent again (a duplicate answers with its sequence)
      if (a->err_code == JSStreamWrongLastSequenceErr || a->err_code == JSStreamWrongLastMsgIDErr) {
        raced = true;  // another entry came first: sent again after it
        break;
      }
      if (a->err_code != 0) {
        Status st(Code::kLogUnavailable, "NATS: " + a->error);
        return out.empty() ? st : Status(Code::kTimeout, st.message());
      }
      if (a->duplicate) {
        // nats-server 2.9 remembers a message id from when its message was
        // proposed: after a change of leader it can answer "duplicate" with
        // a sequence that holds another message. Only the stream can say.
        auto there = EntryAt(a->seq);
        if (!there.ok())
          return out.empty() ? there.status() : Status(Code::kTimeout, there.status().message());
        if (there->tag != Tag(ids[out.size()])) {
          // Not stored: sent again under a new id (the old one is spent).
          ids[out.size()] = nonce_ + "-" + std::to_string(++ids_);
          raced = true;
          break;
        }
        had_duplicate = true;
      }
      out.push_back(Pos(a->seq, Tag(ids[out.size()])));
      if (out.size() == payloads.size() && !had_duplicate) {
        appended_last_ = Entry{a->seq, Tag(ids.back())};
        appended_last_id_ = ids.back();
      }
    }
    if (out.size() < payloads.size() && !raced && Clock::now() >= deadline) {
      return Status(Code::kTimeout, "NATS: no acknowledgement from JetStream in " +
                                        std::to_string(opts_.command_timeout_ms) + " ms");
    }
    if (out.size() < payloads.size() && Clock::now() >= deadline) {
      return Status(Code::kTimeout, "NATS: the appends kept racing others");
    }
  }
  return out;
}

Status NatsConnection::Subscribe(uint64_t start) {
  if (reader_ != nullptr) natsSubscription_Destroy(reader_);
  reader_ = nullptr;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = addr_.stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = start;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(&reader_, js_, addr_.subject.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) {
    reader_ = nullptr;
    return Unavailable("reading the stream " + addr_.stream, s);
  }
  next_read_ = start;
  // What the stream holds from start is on its way: a read waits for it
  // (the consumer's first messages come a round trip or more after it is
  // made) even when it was asked not to wait for new ones.
  auto si = Info();
  if (!si.ok()) return si.status();
  pending_ = (*si)->State.Msgs > 0 && (*si)->State.LastSeq >= start
                 ? (*si)->State.LastSeq - std::max(start, (*si)->State.FirstSeq) + 1
                 : 0;
  return Status::Ok();
}

Result<std::vector<LogRecord>> NatsConnection::Read(Position after, size_t max,
                                                    std::chrono::milliseconds block) {
  WALFS_RETURN_IF_ERROR(Ready());
  // The sequence after `after` (after a position of the log this stream
  // was seeded after, the seed entry: sequence 1).
  uint64_t start = Seq(after) + 1;
  if (reader_ == nullptr || next_read_ != start) WALFS_RETURN_IF_ERROR(Subscribe(start));
  std::vector<LogRecord> out;
  int64_t wait = std::max<int64_t>(1, block.count());
  while (out.size() < max) {
    // What the stream holds already (it may still be on its way) is waited
    // for up to a round trip's time; new entries up to block.
    int64_t ms = pending_ > 0  ? std::max<int64_t>(wait, opts_.command_timeout_ms)
                 : out.empty() ? wait
                               : 0;
    natsMsg* raw = nullptr;
    natsStatus s = natsSubscription_NextMsg(&raw, reader_, ms);
    Msg m(raw);
    if (s == NATS_TIMEOUT) break;
    if (s != NATS_OK) {
      natsSubscription_Destroy(reader_);
      reader_ = nullptr;
      if (!out.empty()) break;
      return Unavailable("reading the stream " + addr_.stream, s);
    }
    jsMsgMetaData* md = nullptr;
    if (natsMsg_GetMetaData(&md, m.get()) != NATS_OK) continue;  // not a stream message
    MetaData meta(md);
    LogRecord rec;
    const char* id = nullptr;
    if (natsMsgHeader_Get(m.get(), "Nats-Msg-Id", &id) != NATS_OK) {
      return Status(Code::kCorruption, "stream message " + std::to_string(meta->Sequence.Stream) +
                                           " was not written by walfs");
    }
    rec.pos = Pos(meta->Sequence.Stream, Tag(id));
    rec.time_ms = static_cast<uint64_t>(meta->Timestamp / 1000000);
    const char* prev = nullptr;
    std::optional<Position> p;
    if (natsMsgHeader_Get(m.get(), kPrevHeader, &prev) == NATS_OK) p = Position::Parse(prev);
    if (!p) {
      return Status(Code::kCorruption, "stream message " + std::to_string(meta->Sequence.Stream) +
                                           " was not written by walfs");
    }
    rec.prev = *p;
    rec.payload.assign(natsMsg_GetData(m.get()),
                       static_cast<size_t>(natsMsg_GetDataLength(m.get())));
    next_read_ = meta->Sequence.Stream + 1;
    pending_ = meta->NumPending;
    out.push_back(std::move(rec));
  }
  if (out.empty()) {
    // Nothing came: either nothing is there, or the consumer is gone (its
    // server restarted or was cut off) without libnats noticing. The
    // stream says which; a consumer that misses entries is made again.
    auto si = Info();
    if (!si.ok()) return si.status();
    const jsStreamState& st = (*si)->State;
    if (st.Msgs > 0 && st.LastSeq >= next_read_) {
      natsSubscription_Destroy(reader_);
      reader_ = nullptr;
    }
  }
  return out;
}

Result<Position> NatsConnection::Last() {
  auto last = LastEntry();
  if (!last.ok()) return last.status();
  return Pos(last->seq, last->tag);
}

Result<LogTail> NatsConnection::Tail() {
  auto si = Info();
  if (!si.ok()) return si.status();
  const jsStreamState& st = (*si)->State;
  LogTail t;
  t.length = st.Msgs;
  t.entries_added = st.LastSeq;
  if (st.Msgs > 0) {
    auto first = EntryAt(st.FirstSeq);
    if (!first.ok()) return first.status();
    auto last = LastEntry();
    if (!last.ok()) return last.status();
    t.first = Pos(first->seq, first->tag);
    t.last = Pos(last->seq, last->tag);
  }
  return t;
}

Result<uint64_t> NatsConnection::Bytes() {
  auto si = Info();
  if (!si.ok()) return si.status();
  return (*si)->State.Bytes;
}

Status NatsConnection::Trim(Position min_keep) {
  WALFS_RETURN_IF_ERROR(Ready());
  // Keeps every entry at or above min_keep (a position of this stream; the
  // restored one it was seeded after keeps them all).
  uint64_t keep = Seq(min_keep);
  if (keep <= 1) return Status::Ok();  // a purge up to sequence 0 would purge everything
  jsOptions o;
  jsOptions_Init(&o);
  o.Stream.Purge.Sequence = keep;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_PurgeStream(js_, addr_.stream.c_str(), &o, &jerr);
  if (s != NATS_OK) return Unavailable("purge of " + addr_.stream, s);
  return Status::Ok();
}

Status NatsConnection::PutHeartbeat(const std::string& id, const std::string& json,
                                    uint32_t ttl_ms) {
  WALFS_RETURN_IF_ERROR(Ready());
  WALFS_RETURN_IF_ERROR(EnsureBucket());
  std::string v = TimedValue(ttl_ms, json);
  uint64_t rev = 0;
  natsStatus s = kvStore_Put(&rev, kv_, ("replica." + KeyPart(id)).c_str(), v.data(),
                             static_cast<int>(v.size()));
  if (s != NATS_OK) return Unavailable("heartbeat", s);
  return Status::Ok();
}

Result<std::vector<std::string>> NatsConnection::Heartbeats() {
  WALFS_RETURN_IF_ERROR(Ready());
  WALFS_RETURN_IF_ERROR(EnsureBucket());
  kvKeysList keys{};
  natsStatus s = kvStore_Keys(&keys, kv_, nullptr);
  std::vector<std::string> out;
  if (s == NATS_NOT_FOUND) return out;  // an empty bucket
  if (s != NATS_OK) return Unavailable("heartbeats", s);
  for (int i = 0; i < keys.Count; ++i) {
    std::string_view k(keys.Keys[i]);
    if (k.rfind("replica.", 0) != 0) continue;
    kvEntry* raw = nullptr;
    if (kvStore_Get(&raw, kv_, keys.Keys[i]) != NATS_OK) continue;  // deleted meanwhile
    KvEntry e(raw);
    if (auto v = LiveValue(e.get())) out.push_back(std::move(*v));
  }
  kvKeysList_Destroy(&keys);
  return out;
}

Result<bool> NatsConnection::AcquireLease(const std::string& name, const std::string& holder,
                                          uint32_t ttl_ms) {
  WALFS_RETURN_IF_ERROR(Ready());
  WALFS_RETURN_IF_ERROR(EnsureBucket());
  std::string key = "lease." + KeyPart(name);
  std::string v = TimedValue(ttl_ms, holder);
  kvEntry* raw = nullptr;
  natsStatus s = kvStore_Get(&raw, kv_, key.c_str());
  KvEntry e(raw);
  uint64_t rev = 0;
  if (s == NATS_NOT_FOUND) {
    // Nobody holds it: taken if no one else takes it first.
    return kvStore_Create(&rev, kv_, key.c_str(), v.data(), static_cast<int>(v.size())) == NATS_OK;
  }
  if (s != NATS_OK) return Unavailable("lease " + name, s);
  auto cur = LiveValue(e.get());
  if (cur && *cur != holder) return false;
  // Renewed by its holder, or taken over once expired; either only if
  // nobody changed it since it was read.
  return kvStore_Update(&rev, kv_, key.c_str(), v.data(), static_cast<int>(v.size()),
                        kvEntry_Revision(e.get())) == NATS_OK;
}

Status NatsConnection::Seed(Position after, const std::string& empty_entry) {
  auto si = Info();
  if (!si.ok()) return si.status();
  if ((*si)->State.LastSeq != 0) {
    return Status(Code::kAlreadyExists,
                  "the stream " + addr_.stream + " has been written: seed a new stream");
  }
  // Positions go on above after: the stream's description says by how
  // much (a purge past the last sequence would move the sequences instead,
  // but nats-server 2.9 then refuses every Nats-Expected-Last-Sequence).
  jsStreamConfig c = *(*si)->Config;
  std::string description = std::string(kBasePrefix) + std::to_string(after.ms);
  c.Description = description.c_str();
  jsStreamInfo* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_UpdateStream(&raw, js_, &c, nullptr, &jerr);
  StreamInfo updated(raw);
  if (s != NATS_OK) return Unavailable("update of " + addr_.stream, s);
  base_ = after.ms;
  std::vector<Publish> one = {Publish{&empty_entry, nonce_ + "-seed", 0, "", after}};
  auto acks = PublishAll(one, Clock::now() + std::chrono::milliseconds(opts_.command_timeout_ms));
  if (!acks.ok()) return acks.status();
  if (!(*acks)[0]) return Status(Code::kTimeout, "NATS: the seed entry was not acknowledged");
  if ((*acks)[0]->err_code != 0) return Status(Code::kLogUnavailable, "NATS: " + (*acks)[0]->error);
  return Status::Ok();
}

bool ValidName(std::string_view s) {
  if (s.empty() || s.size() > 200) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

bool ValidSubject(std::string_view s) {
  if (s.empty() || s.size() > 200 || s.front() == '.' || s.back() == '.' ||
      s.find("..") != std::string_view::npos) {
    return false;
  }
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace

Result<NatsAddress> ParseNatsUrl(const std::string& url) {
  constexpr std::string_view kScheme = "nats://";
  auto bad = [&](const std::string& why) {
    return Status(Code::kBadRequest, "bad log URL '" + url + "': " + why);
  };
  if (url.rfind(kScheme, 0) != 0) return bad("it must start with nats://");
  NatsAddress a;
  std::string rest = url.substr(kScheme.size());
  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (rest.find('@') != std::string::npos) return bad("credentials are not supported");
  size_t from = 0;
  while (from <= rest.size()) {
    size_t comma = rest.find(',', from);
    std::string hp =
        rest.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    size_t colon = hp.rfind(':');
    int port = 0;
    if (hp.empty() || colon == std::string::npos || colon == 0 ||
        std::from_chars(hp.data() + colon + 1, hp.data() + hp.size(), port).ec != std::errc() ||
        port <= 0 || port > 65535 || hp.find('/') != std::string::npos) {
      return bad("servers are host:port, separated by commas");
    }
    a.servers.push_back("nats://" + hp);
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  size_t at = 0;
  while (!query.empty() && at <= query.size()) {
    size_t amp = query.find('&', at);
    std::string kv = query.substr(at, amp == std::string::npos ? std::string::npos : amp - at);
    size_t eq = kv.find('=');
    std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
    if (k == "stream") {
      if (!ValidName(v)) return bad("a stream name is letters, digits, '-' and '_'");
      a.stream = v;
    } else if (k == "subject") {
      if (!ValidSubject(v)) return bad("a subject is dot-separated words, without wildcards");
      a.subject = v;
    } else if (k == "replicas") {
      if (std::from_chars(v.data(), v.data() + v.size(), a.replicas).ec != std::errc() ||
          a.replicas < 1 || a.replicas > 5 || v.empty()) {
        return bad("replicas is 1 to 5");
      }
    } else {
      return bad("the options are stream=NAME, replicas=N and subject=S");
    }
    if (amp == std::string::npos) break;
    at = amp + 1;
  }
  if (a.subject.empty()) a.subject = "walfs." + a.stream;
  return a;
}

Result<std::unique_ptr<LogConnection>> NatsLog::Connect() {
  auto c = std::make_unique<NatsConnection>(addr_, opts_);
  // As with Redis: a connection that cannot reach the servers yet connects
  // on its next call.
  Status st = c->Connect();
  (void)st;
  return std::unique_ptr<LogConnection>(std::move(c));
}

std::string NatsLog::Describe() const {
  std::string servers;
  for (const auto& s : addr_.servers) {
    servers += (servers.empty() ? "" : ",") + s.substr(7);
  }
  return "nats://" + servers + "?stream=" + addr_.stream +
         "&replicas=" + std::to_string(addr_.replicas) + "&subject=" + addr_.subject;
}

}  // namespace walfs
