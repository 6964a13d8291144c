// walfs-bench: the load generator behind `make bench`.
//
//   walfs-bench http --url URL [--url URL ...] --method M --target T [--body-bytes N]
//                    [--clients C] [--duration-ms D] [--expect-status S] [--header K:V]
//                    [--token T] [--sigv4 ACCESS_KEY:SECRET] [--cacert PEM]
//       C clients (one thread and one keep-alive connection each, spread over
//       the URLs) send requests for D ms; prints throughput and latency as JSON.
//       With --token each request carries it; with --sigv4 each carries a
//       signature (the body's SHA-256), made again each second (a signature
//       is good for 15 minutes: the server verifies every request in full,
//       and the generator, on the same cores, does not spend them signing);
//       https URLs are checked against --cacert.
//   walfs-bench s3-append --endpoint URL --bucket B --key K --writers W --record-bytes N
//                    --duration-ms D
//       the status quo: each writer appends a record to one S3 object by
//       download-modify-upload; prints appends acknowledged and appends present.
//   walfs-bench s3-offset-append --url URL [--url URL ...] --bucket B --key K --writers W
//                    --record-bytes N --duration-ms D
//       appends as S3 Express defines them, through walfs's S3 endpoints: each
//       writer (on the URLs in turn) HEADs the object and PUTs its record with
//       x-amz-write-offset-bytes at that size, again on InvalidWriteOffset;
//       prints appends acknowledged and the retries they took.
//   walfs-bench xadd-lag --redis HOST:PORT --rate R --duration-ms D
//       the baseline for replication lag: XADD at R/s, XREAD BLOCK in another
//       connection, delivery delay percentiles.
//   walfs-bench xadd-bulk --redis HOST:PORT --body-bytes N --clients C --init-bytes B [--readers R]
//       the log's limit for large writes: B bytes XADDed in N-byte entries, C in
//       flight, and read back in full by R connections at the same time.
//   walfs-bench walfs-lag --url URL --watch URL [--watch URL ...] --rate R --duration-ms D
//       appends at R/s through one replica (ack=log) and measures, for a sample
//       of them, the time until every watched replica has applied it.
//   walfs-bench js-publish --nats HOST:PORT[,HOST:PORT...] --clients C --body-bytes N
//                    --duration-ms D [--stream S] [--replicas R]
//       the NATS log's limit: synchronous JetStream publishes (each acknowledged
//       once a quorum stores it) by C connections to a stream like walfs's.
//   walfs-bench watch-fanout --url URL --readers W --rate R --clients C --duration-ms D
//       W watchers of /bench/fan (GET /v1/watch, one connection each) while C
//       writers append to /bench/fan/log at R/s in all through the same
//       replica; delivery latency percentiles (from each append's send to
//       each watcher's receipt of its event) against the appends' own latency
//       (send to answer, which waits for apply), deliveries missing, and the
//       watches ended behind (event: lagging).
// Every figure it prints is measured in this run; compare them only with
// baselines measured in the same run.
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include <nats/nats.h>

#include "auth/crypto.h"
#include "auth/sigv4.h"
#include "backup/s3_store.h"
#include "client/http_client.h"
#include "client/sse_parser.h"
#include "core/hash.h"

namespace walfs::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

struct Args {
  std::string mode;
  std::vector<std::string> urls, watch;
  std::string method = "GET", target = "/", endpoint, bucket, key, redis;
  std::string nats, stream = "raw";  // js-publish: host:port[,host:port...]
  size_t replicas = 3;
  std::map<std::string, std::string> headers;
  std::string token, sigv4, cacert;
  size_t body_bytes = 0, clients = 1, writers = 1, readers = 0, record_bytes = 100, init_bytes = 0;
  uint64_t duration_ms = 5000, rate = 1000;
  int expect_status = 0;
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

int RunHttp(const Args& a) {
  std::atomic<uint64_t> requests{0}, errors{0}, bytes{0};
  std::mutex mu;
  std::vector<double> lat;
  std::string body(a.body_bytes, 'x');
  for (size_t i = 0; i < body.size(); i += 64) body[i] = '\n';
  auto end = Clock::now() + std::chrono::milliseconds(a.duration_ms);
  std::vector<std::thread> ts;
  auto start = Clock::now();
  for (size_t c = 0; c < a.clients; ++c) {
    ts.emplace_back([&, c] {
      const std::string& url = a.urls[c % a.urls.size()];
      HttpClient h(ClientOptions{url, a.token, a.cacert, 30000});
      std::vector<double> mine;
      // SigV4: the body's hash once; the signature per request (its date).
      const std::string body_hash = ToHex(Sha256(body));
      const std::string host = url.substr(url.find("://") + 3);
      SigV4Credential scope;
      scope.access_key = a.sigv4.substr(0, a.sigv4.find(':'));
      scope.region = "us-east-1";
      scope.service = "s3";
      const std::string secret = a.sigv4.substr(a.sigv4.find(':') + 1);
      std::map<std::string, std::string> headers = a.headers;
      SigningKeyCache keys;
      int64_t signed_at = -1;
      while (Clock::now() < end) {
        auto t0 = Clock::now();
        if (int64_t now = static_cast<int64_t>(std::time(nullptr));
            !a.sigv4.empty() && now != signed_at) {
          signed_at = now;
          for (auto& [k, v] :
               SignSigV4(a.method, a.target, host, body_hash, scope, secret, now, &keys)) {
            headers[k] = v;
          }
        }
        auto r = h.Request(a.method, a.target, body, headers);
        mine.push_back(Ms(Clock::now() - t0));
        if (!r.ok() || (a.expect_status != 0 && r->status != a.expect_status)) {
          ++errors;
          if (!r.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        ++requests;
        bytes += r->body.size();
      }
      std::lock_guard lock(mu);
      lat.insert(lat.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : ts) t.join();
  double secs = Ms(Clock::now() - start) / 1000;
  json out = {{"requests", requests.load()},
              {"errors", errors.load()},
              {"seconds", secs},
              {"rps", static_cast<double>(requests) / secs},
              {"bytes_per_second", static_cast<double>(bytes) / secs},
              {"p50_ms", Percentile(lat, 0.50)},
              {"p99_ms", Percentile(lat, 0.99)}};
  std::cout << out.dump() << "\n";
  return 0;
}

// Download-modify-upload: what writers do today with an object store.
int RunS3Append(const Args& a) {
  S3Options o;
  S3OptionsFromEnv(&o);
  o.endpoint = a.endpoint;
  auto store = OpenS3Store("s3://" + a.bucket, o);
  if (!store.ok()) {
    std::cerr << store.status().ToString() << "\n";
    return 1;
  }
  if (a.init_bytes > 0) {
    std::string init(a.init_bytes - 1, '.');
    init.push_back('\n');
    Status st = (*store)->PutBytes(a.key, init);
    if (!st.ok()) {
      std::cerr << st.ToString() << "\n";
      return 1;
    }
  }
  std::atomic<uint64_t> acked{0}, errors{0};
  auto end = Clock::now() + std::chrono::milliseconds(a.duration_ms);
  std::vector<std::thread> ts;
  auto start = Clock::now();
  for (size_t w = 0; w < a.writers; ++w) {
    ts.emplace_back([&, w] {
      auto s = std::move(OpenS3Store("s3://" + a.bucket, o)).value();
      for (uint64_t i = 0; Clock::now() < end; ++i) {
        auto cur = s->GetBytes(a.key);
        if (!cur.ok()) {
          ++errors;
          continue;
        }
        char rec[64];
        std::snprintf(rec, sizeof rec, "w%03zu-%09llu", w, static_cast<unsigned long long>(i));
        std::string line(rec);
        line.resize(a.record_bytes - 1, '.');
        line.push_back('\n');
        if (s->PutBytes(a.key, *cur + line).ok()) {
          ++acked;
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  double secs = Ms(Clock::now() - start) / 1000;
  auto final_obj = (*store)->GetBytes(a.key);
  uint64_t present = 0;
  if (final_obj.ok()) {
    for (char ch : *final_obj) present += ch == '\n';
  }
  json out = {{"appends_acked", acked.load()},
              {"errors", errors.load()},
              {"seconds", secs},
              {"rps", static_cast<double>(acked) / secs},
              {"appends_present_new", present}};
  std::cout << out.dump() << "\n";
  return 0;
}

// Appends with x-amz-write-offset-bytes: HEAD for the size, PUT at it.
int RunS3OffsetAppend(const Args& a) {
  std::atomic<uint64_t> acked{0}, retries{0}, errors{0};
  const std::string target = "/" + a.bucket + "/" + a.key;
  auto end = Clock::now() + std::chrono::milliseconds(a.duration_ms);
  std::vector<std::thread> ts;
  auto start = Clock::now();
  for (size_t w = 0; w < a.writers; ++w) {
    ts.emplace_back([&, w] {
      HttpClient h(ClientOptions{a.urls[w % a.urls.size()], "", "", 30000});
      for (uint64_t i = 0; Clock::now() < end; ++i) {
        char rec[64];
        std::snprintf(rec, sizeof rec, "w%03zu-%09llu", w, static_cast<unsigned long long>(i));
        std::string line(rec);
        line.resize(a.record_bytes - 1, '.');
        line.push_back('\n');
        while (Clock::now() < end) {
          auto head = h.Request("HEAD", target, "", {});
          if (!head.ok() || (head->status != 200 && head->status != 404)) {
            ++errors;
            continue;
          }
          std::string size = head->status == 404 ? "0" : head->header("content-length");
          auto put = h.Request("PUT", target, line, {{"x-amz-write-offset-bytes", size}});
          if (put.ok() && put->status == 200) {
            ++acked;
            break;
          }
          if (put.ok() && put->status == 400) {
            ++retries;  // another writer's record landed first
          } else {
            ++errors;
          }
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  double secs = Ms(Clock::now() - start) / 1000;
  json out = {{"appends_acked", acked.load()},
              {"retries", retries.load()},
              {"errors", errors.load()},
              {"seconds", secs},
              {"rps", static_cast<double>(acked) / secs}};
  std::cout << out.dump() << "\n";
  return 0;
}

redisContext* Connect(const std::string& hostport) {
  auto colon = hostport.rfind(':');
  return redisConnect(hostport.substr(0, colon).c_str(), std::stoi(hostport.substr(colon + 1)));
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

int RunXaddLag(const Args& a) {
  std::vector<double> lat;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    redisContext* c = Connect(a.redis);
    std::string last = "$";
    while (!done) {
      auto* r = static_cast<redisReply*>(
          redisCommand(c, "XREAD COUNT 1000 BLOCK 100 STREAMS lagbench %s", last.c_str()));
      int64_t now = NowNs();
      if (r != nullptr && r->type == REDIS_REPLY_ARRAY) {
        redisReply* entries = r->element[0]->element[1];
        for (size_t i = 0; i < entries->elements; ++i) {
          redisReply* e = entries->element[i];
          last.assign(e->element[0]->str, e->element[0]->len);
          int64_t sent = std::stoll(
              std::string(e->element[1]->element[1]->str, e->element[1]->element[1]->len));
          lat.push_back(static_cast<double>(now - sent) / 1e6);
        }
      }
      if (r != nullptr) freeReplyObject(r);
    }
    redisFree(c);
  });
  redisContext* w = Connect(a.redis);
  auto start = Clock::now();
  auto interval = std::chrono::nanoseconds(1'000'000'000 / a.rate);
  uint64_t n = 0;
  while (Clock::now() - start < std::chrono::milliseconds(a.duration_ms)) {
    auto due = start + interval * n;
    if (Clock::now() < due) std::this_thread::sleep_until(due);
    freeReplyObject(redisCommand(w, "XADD lagbench * t %s", std::to_string(NowNs()).c_str()));
    ++n;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  done = true;
  reader.join();
  redisFree(w);
  json out = {{"sent", n},
              {"received", lat.size()},
              {"p50_ms", Percentile(lat, 0.5)},
              {"p99_ms", Percentile(lat, 0.99)}};
  std::cout << out.dump() << "\n";
  return 0;
}

// The log's own limit for bulk bytes: total_bytes XADDed to one stream in
// entries of body_bytes, `clients` (the pipeline depth) in flight at once,
// as one pipelined client would. Then the stream is deleted.
// Reads the stream from its start until `entries` entries came, as a
// replica's applier does (XREAD BLOCK, a few entries at a time).
bool ReadStream(const std::string& addr, uint64_t entries, size_t per_read) {
  redisContext* c = Connect(addr);
  std::string last = "0-0";
  uint64_t got = 0;
  while (got < entries) {
    auto* r = static_cast<redisReply*>(redisCommand(c, "XREAD COUNT %s BLOCK 5000 STREAMS %s %s",
                                                    std::to_string(per_read).c_str(), "bulkbench",
                                                    last.c_str()));
    if (r == nullptr) {
      std::cerr << "XREAD: " << c->errstr << "\n";
      return false;
    }
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
      redisReply* items = r->element[0]->element[1];
      for (size_t i = 0; i < items->elements; ++i) {
        last.assign(items->element[i]->element[0]->str, items->element[i]->element[0]->len);
        ++got;
      }
    } else if (r->type != REDIS_REPLY_NIL) {
      std::cerr << "XREAD: " << (r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply")
                << "\n";
      freeReplyObject(r);
      return false;
    }
    freeReplyObject(r);
  }
  redisFree(c);
  return true;
}

// The log's own limit for large writes: entries of --body-bytes XADDed by a
// pipelined client (--clients in flight) and, with --readers N, read back in
// full by N connections at the same time, as N replicas do.
int RunXaddBulk(const Args& a) {
  redisContext* c = Connect(a.redis);
  freeReplyObject(redisCommand(c, "DEL bulkbench"));
  std::string payload(a.body_bytes, 'x');
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
  uint64_t entries = (a.init_bytes + a.body_bytes - 1) / a.body_bytes;
  size_t depth = std::max<size_t>(1, a.clients);
  auto start = Clock::now();
  std::atomic<int> read_failures{0};
  std::vector<std::thread> readers;
  for (size_t i = 0; i < a.readers; ++i) {
    readers.emplace_back([&] {
      if (!ReadStream(a.redis, entries, 4)) ++read_failures;
    });
  }
  uint64_t sent = 0, done = 0;
  while (done < entries) {
    while (sent < entries && sent - done < depth) {
      const char* argv[] = {"XADD", "bulkbench", "*", "e", payload.data()};
      size_t lens[] = {4, 9, 1, 1, payload.size()};
      redisAppendCommandArgv(c, 5, argv, lens);
      ++sent;
    }
    void* r = nullptr;
    if (redisGetReply(c, &r) != REDIS_OK) {
      std::cerr << "XADD failed: " << c->errstr << "\n";
      return 1;
    }
    freeReplyObject(r);
    ++done;
  }
  for (auto& t : readers) t.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  freeReplyObject(redisCommand(c, "DEL bulkbench"));
  redisFree(c);
  if (read_failures > 0) {
    std::cerr << "XREAD failed\n";
    return 1;
  }
  json out = {{"bytes", entries * a.body_bytes},
              {"seconds", secs},
              {"readers", a.readers},
              {"bytes_per_second", static_cast<double>(entries * a.body_bytes) / secs}};
  std::cout << out.dump() << "\n";
  return 0;
}

// One watcher thread per replica, each with a kept-alive connection, waits
// for every sampled position in turn; a sample's lag is the time from its
// append until the last replica answered.
// Runs a.clients writer threads until a.duration_ms after start, each
// calling send(its client) at a.rate / a.clients per second on a fixed
// schedule (a late answer is caught up, not skipped); joins them.
void PacedWriters(const Args& a, Clock::time_point start, const std::string& url,
                  const std::function<void(HttpClient&)>& send) {
  std::vector<std::thread> writers;
  for (size_t c = 0; c < a.clients; ++c) {
    writers.emplace_back([&, c] {
      HttpClient writer(url.empty() ? a.urls[c % a.urls.size()] : url);
      auto interval = std::chrono::nanoseconds(1'000'000'000ull * a.clients / a.rate);
      for (uint64_t n = 0; Clock::now() - start < std::chrono::milliseconds(a.duration_ms); ++n) {
        auto due = start + interval * n;
        if (Clock::now() < due) std::this_thread::sleep_until(due);
        send(writer);
      }
    });
  }
  for (auto& w : writers) w.join();
}

int RunWalfsLag(const Args& a) {
  struct Sample {
    Clock::time_point t0;
    std::string pos;
  };
  std::vector<Sample> samples;
  std::vector<std::vector<Clock::time_point>> done(a.watch.size());
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  std::atomic<uint64_t> errors{0};
  std::vector<std::thread> watchers;
  for (size_t w = 0; w < a.watch.size(); ++w) {
    watchers.emplace_back([&, w] {
      HttpClient h(a.watch[w]);
      for (size_t i = 0;; ++i) {
        std::string pos;
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return finished || i < samples.size(); });
          if (i >= samples.size()) return;
          pos = samples[i].pos;
        }
        auto r = h.Get("/v1/fs/bench/lag?stat&timeout_ms=10000&min_position=" + pos);
        if (!r.ok() || r->status != 200) ++errors;
        std::lock_guard lock(mu);
        done[w].push_back(Clock::now());
      }
    });
  }
  // Writers spread over the URLs, each at rate/clients, sampling 1% of appends.
  auto start = Clock::now();
  std::atomic<uint64_t> sent{0};
  const std::string body(100, 'l');
  PacedWriters(a, start, "", [&](HttpClient& writer) {
    auto t0 = Clock::now();
    auto r = writer.Request("POST", "/v1/fs/bench/lag?op=append&ack=log", body);
    uint64_t k = ++sent;
    if (!r.ok() || r->status != 202) {
      if (errors++ == 0)
        std::cerr << "first failure: " << (r.ok() ? r->body : r.status().ToString()) << "\n";
      return;
    }
    if (k % 100 != 0) return;
    std::lock_guard lock(mu);
    samples.push_back({t0, json::parse(r->body)["position"]});
    cv.notify_all();
  });
  uint64_t n = sent;
  double secs = Ms(Clock::now() - start) / 1000;
  {
    std::lock_guard lock(mu);
    finished = true;
  }
  cv.notify_all();
  for (auto& t : watchers) t.join();
  std::vector<double> lat;
  for (size_t i = 0; i < samples.size(); ++i) {
    Clock::time_point last = samples[i].t0;
    for (const auto& d : done) last = std::max(last, d.at(i));
    lat.push_back(Ms(last - samples[i].t0));
  }
  json out = {{"sent", n},
              {"rate", static_cast<double>(n) / secs},
              {"errors", errors.load()},
              {"samples", lat.size()},
              {"p50_ms", Percentile(lat, 0.5)},
              {"p99_ms", Percentile(lat, 0.99)}};
  std::cout << out.dump() << "\n";
  return 0;
}

int RunWatchFanout(const Args& a) {
  const std::string& url = a.urls[0];
  size_t n_watchers = std::max<size_t>(1, a.readers);
  std::mutex mu;
  std::map<std::string, Clock::time_point> sent_at;  // position -> the append's send time
  std::vector<double> append_ms;
  std::vector<std::vector<std::pair<std::string, Clock::time_point>>> got(n_watchers);
  std::vector<std::atomic<uint64_t>> seen(n_watchers);
  std::atomic<uint64_t> lagging{0}, errors{0};
  std::atomic<bool> finished{false};
  std::vector<std::thread> watchers;
  for (size_t w = 0; w < n_watchers; ++w) {
    watchers.emplace_back([&, w] {
      HttpClient h(ClientOptions{url, a.token, a.cacert, 60000});
      SseParser sse;
      std::vector<std::pair<std::string, Clock::time_point>> mine;
      auto r = h.GetStreaming(
          "/v1/watch?path=/bench/fan",
          [&](const ClientResponse&, std::string_view chunk) {
            auto now = Clock::now();
            sse.Feed(chunk, [&](const SseEvent& e) {
              if (e.event == "lagging") ++lagging;
              if (!e.event.empty()) return;
              mine.emplace_back(e.id, now);
              ++seen[w];
            });
            return !finished;
          },
          {}, true);
      if (!finished && !r.ok()) ++errors;
      std::lock_guard lock(mu);
      got[w] = std::move(mine);
    });
  }
  // Every watcher connected: each has seen a probe.
  HttpClient probe(url);
  for (bool all = false; !all;) {
    (void)probe.Request("POST", "/v1/fs/bench/fan/probe?op=append", "p");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    all = std::all_of(seen.begin(), seen.end(), [](auto& s) { return s.load() > 0; });
  }
  auto start = Clock::now();
  std::atomic<uint64_t> sent{0};
  const std::string body(100, 'f');
  PacedWriters(a, start, url, [&](HttpClient& writer) {
    auto t0 = Clock::now();
    auto r = writer.Request("POST", "/v1/fs/bench/fan/log?op=append", body);
    auto t1 = Clock::now();
    if (!r.ok() || r->status != 200) {
      ++errors;
      return;
    }
    ++sent;
    std::lock_guard lock(mu);
    sent_at[json::parse(r->body)["position"].get<std::string>()] = t0;
    append_ms.push_back(Ms(t1 - t0));
  });
  double secs = Ms(Clock::now() - start) / 1000;
  // Let deliveries finish, then one more event ends every watch.
  uint64_t expected = sent.load() * n_watchers;
  auto deliveries = [&] {
    std::lock_guard lock(mu);
    uint64_t d = 0;
    for (auto& s : seen) d += s.load();
    return d;
  };
  for (auto until = Clock::now() + std::chrono::seconds(30);
       deliveries() < expected && Clock::now() < until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  finished = true;
  (void)probe.Request("POST", "/v1/fs/bench/fan/probe?op=append", "p");
  for (auto& t : watchers) t.join();
  std::vector<double> lat;
  uint64_t delivered = 0;
  for (const auto& events : got) {
    for (const auto& [id, at] : events) {
      auto it = sent_at.find(id);
      if (it == sent_at.end()) continue;  // a probe
      ++delivered;
      lat.push_back(Ms(at - it->second));
    }
  }
  json out = {{"watchers", n_watchers},
              {"sent", sent.load()},
              {"rate", static_cast<double>(sent.load()) / secs},
              {"errors", errors.load()},
              {"delivered", delivered},
              {"missing", sent.load() * n_watchers - delivered},
              {"lagging", lagging.load()},
              {"p50_ms", Percentile(lat, 0.5)},
              {"p99_ms", Percentile(lat, 0.99)},
              {"append_p50_ms", Percentile(append_ms, 0.5)},
              {"append_p99_ms", Percentile(append_ms, 0.99)}};
  std::cout << out.dump() << "\n";
  return 0;
}

// The log's own limit on NATS: synchronous JetStream publishes of
// --body-bytes by --clients connections (each waits for its message's
// acknowledgement, stored by a quorum), to a stream --stream (subject
// <stream>.x) created like walfs's (file storage, --replicas).
int RunJsPublish(const Args& a) {
  std::vector<std::string> servers;
  for (size_t from = 0; from <= a.nats.size();) {
    size_t comma = a.nats.find(',', from);
    servers.push_back("nats://" + a.nats.substr(from, comma - from));
    if (comma == std::string::npos) break;
    from = comma + 1;
  }
  std::vector<const char*> urls;
  for (const auto& s : servers) urls.push_back(s.c_str());
  auto connect = [&](natsConnection** nc, jsCtx** js) {
    natsOptions* o = nullptr;
    natsOptions_Create(&o);
    natsOptions_SetServers(o, urls.data(), static_cast<int>(urls.size()));
    natsStatus s = natsConnection_Connect(nc, o);
    natsOptions_Destroy(o);
    if (s == NATS_OK) s = natsConnection_JetStream(js, *nc, nullptr);
    return s;
  };
  std::string subject = a.stream + ".x";
  {
    natsConnection* nc = nullptr;
    jsCtx* js = nullptr;
    if (connect(&nc, &js) != NATS_OK) {
      std::cerr << "cannot reach " << a.nats << "\n";
      return 1;
    }
    jsStreamConfig c;
    jsStreamConfig_Init(&c);
    const char* subjects[] = {subject.c_str()};
    c.Name = a.stream.c_str();
    c.Subjects = subjects;
    c.SubjectsLen = 1;
    c.Storage = js_FileStorage;
    c.Replicas = static_cast<int64_t>(a.replicas);
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    js_AddStream(&si, js, &c, nullptr, &jerr);  // or it exists
    if (si != nullptr) jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
  }
  std::atomic<uint64_t> acked{0}, errors{0};
  std::mutex mu;
  std::vector<double> lat;
  std::string body(a.body_bytes, 'x');
  auto end = Clock::now() + std::chrono::milliseconds(a.duration_ms);
  auto start = Clock::now();
  std::vector<std::thread> ts;
  for (size_t c = 0; c < a.clients; ++c) {
    ts.emplace_back([&] {
      natsConnection* nc = nullptr;
      jsCtx* js = nullptr;
      if (connect(&nc, &js) != NATS_OK) {
        ++errors;
        return;
      }
      std::vector<double> mine;
      while (Clock::now() < end) {
        auto t0 = Clock::now();
        jsPubAck* ack = nullptr;
        jsErrCode jerr = static_cast<jsErrCode>(0);
        natsStatus s = js_Publish(&ack, js, subject.c_str(), body.data(),
                                  static_cast<int>(body.size()), nullptr, &jerr);
        mine.push_back(Ms(Clock::now() - t0));
        if (ack != nullptr) jsPubAck_Destroy(ack);
        (s == NATS_OK ? acked : errors)++;
      }
      jsCtx_Destroy(js);
      natsConnection_Destroy(nc);
      std::lock_guard lock(mu);
      lat.insert(lat.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : ts) t.join();
  double secs = Ms(Clock::now() - start) / 1000;
  json out = {{"requests", acked.load()},
              {"errors", errors.load()},
              {"seconds", secs},
              {"rps", static_cast<double>(acked) / secs},
              {"p50_ms", Percentile(lat, 0.50)},
              {"p99_ms", Percentile(lat, 0.99)}};
  std::cout << out.dump() << "\n";
  return 0;
}

int Usage() {
  std::cerr << "usage: walfs-bench "
               "http|s3-append|s3-offset-append|xadd-lag|xadd-bulk|walfs-lag|js-publish|"
               "watch-fanout "
               "[options] (see "
               "bench/load.cc)\n";
  return 2;
}

}  // namespace
}  // namespace walfs::bench

int main(int argc, char** argv) {
  using namespace walfs::bench;
  if (argc < 2) return Usage();
  Args a;
  a.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    std::map<std::string, std::function<void()>> set = {
        {"--url", [&] { a.urls.push_back(v); }},
        {"--watch", [&] { a.watch.push_back(v); }},
        {"--method", [&] { a.method = v; }},
        {"--target", [&] { a.target = v; }},
        {"--body-bytes", [&] { a.body_bytes = std::stoull(v); }},
        {"--clients", [&] { a.clients = std::stoull(v); }},
        {"--writers", [&] { a.writers = std::stoull(v); }},
        {"--readers", [&] { a.readers = std::stoull(v); }},
        {"--record-bytes", [&] { a.record_bytes = std::stoull(v); }},
        {"--duration-ms", [&] { a.duration_ms = std::stoull(v); }},
        {"--rate", [&] { a.rate = std::stoull(v); }},
        {"--expect-status", [&] { a.expect_status = std::stoi(v); }},
        {"--endpoint", [&] { a.endpoint = v; }},
        {"--bucket", [&] { a.bucket = v; }},
        {"--key", [&] { a.key = v; }},
        {"--redis", [&] { a.redis = v; }},
        {"--nats", [&] { a.nats = v; }},
        {"--stream", [&] { a.stream = v; }},
        {"--replicas", [&] { a.replicas = std::stoull(v); }},
        {"--init-bytes", [&] { a.init_bytes = std::stoull(v); }},
        {"--token", [&] { a.token = v; }},
        {"--sigv4", [&] { a.sigv4 = v; }},
        {"--cacert", [&] { a.cacert = v; }},
        {"--header", [&] { a.headers[v.substr(0, v.find(':'))] = v.substr(v.find(':') + 1); }},
    };
    auto it = set.find(k);
    if (it == set.end()) return Usage();
    it->second();
  }
  if (a.mode == "http" && !a.urls.empty()) return RunHttp(a);
  if (a.mode == "s3-append") return RunS3Append(a);
  if (a.mode == "s3-offset-append") return RunS3OffsetAppend(a);
  if (a.mode == "xadd-lag") return RunXaddLag(a);
  if (a.mode == "xadd-bulk") return RunXaddBulk(a);
  if (a.mode == "walfs-lag" && !a.urls.empty()) return RunWalfsLag(a);
  if (a.mode == "js-publish" && !a.nats.empty()) return RunJsPublish(a);
  if (a.mode == "watch-fanout" && !a.urls.empty()) return RunWatchFanout(a);
  return Usage();
}
