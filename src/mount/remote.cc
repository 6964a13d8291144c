#include "mount/remote.h"

#include "volume/volume_map.h"

#include <openssl/rand.h>

#include "core/hash.h"

namespace walfs {
namespace {

std::string NewKey() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) return "";
  return "mount-" + ToHex(std::string_view(reinterpret_cast<const char*>(b), sizeof b));
}

}  // namespace

Remote::Remote(const MountOptions& o) : o_(o) {
  MutexLock lock(&mu_);
  idle_.resize(o.servers.size());
}

std::string Remote::token() const {
  MutexLock lock(&mu_);
  std::string out;
  for (const auto& [volume, p] : tokens_) {
    if (!out.empty()) out += ",";
    out += FormatVolumePosition(volume, p);
  }
  return out;
}

std::string Remote::server() const {
  MutexLock lock(&mu_);
  return o_.servers[current_];
}

void Remote::Saw(const ClientResponse& r) {
  auto p = ParseVolumePosition(r.header("x-walfs-position"));
  if (!p) return;
  MutexLock lock(&mu_);
  Position& t = tokens_[p->volume];
  if (t < p->pos) t = p->pos;
}

std::unique_ptr<HttpClient> Remote::Take(size_t server) {
  {
    MutexLock lock(&mu_);
    auto& idle = idle_[server];
    if (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      return c;
    }
  }
  ClientOptions c;
  c.server = o_.servers[server];
  c.token = o_.token;
  c.cacert = o_.cacert;
  c.timeout_ms = o_.request_timeout_ms;
  c.follow_redirects = true;  // to a replica that serves the path's volume
  return std::make_unique<HttpClient>(c);
}

void Remote::Give(size_t server, std::unique_ptr<HttpClient> c) {
  MutexLock lock(&mu_);
  idle_[server].push_back(std::move(c));
}

template <class F>
Result<ClientResponse> Remote::OnServers(F call) {
  Status last(Code::kIoError, "no server");
  // Each server once, from the one answering now; a server that does not
  // answer passes the turn to the next for every later request too.
  for (size_t tries = 0; tries < o_.servers.size(); ++tries) {
    size_t s;
    {
      MutexLock lock(&mu_);
      s = current_;
    }
    auto c = Take(s);
    auto r = call(*c);
    if (r.ok()) {
      Give(s, std::move(c));
      Saw(*r);
      return r;
    }
    last = r.status();
    MutexLock lock(&mu_);
    if (current_ == s) current_ = (s + 1) % o_.servers.size();
  }
  return last;
}

Result<ClientResponse> Remote::Send(const std::string& method, const std::string& target,
                                    const std::string& body, const Headers& headers) {
  return OnServers([&](HttpClient& c) { return c.Request(method, target, body, headers); });
}

Remote::Headers Remote::ReadHeaders(std::string* target, bool barrier) const {
  Headers h;
  if (o_.consistency == MountConsistency::kSession) {
    std::string p = token();
    if (!p.empty()) h["X-Walfs-Min-Position"] = p;
  } else if (o_.consistency == MountConsistency::kStrong && barrier) {
    *target +=
        (target->find('?') == std::string::npos ? "?" : "&") + std::string("consistency=strong");
  }
  return h;
}

Result<ClientResponse> Remote::Read(const std::string& target, bool barrier) {
  std::string t = target;
  Headers h = ReadHeaders(&t, barrier);
  return Send("GET", t, "", h);
}

Result<ClientResponse> Remote::ReadInto(const std::string& target, std::string* body) {
  std::string t = target;
  Headers h = ReadHeaders(&t, false);
  return OnServers([&](HttpClient& c) { return c.GetInto(t, body, h); });
}

Result<ClientResponse> Remote::Write(const std::string& method, const std::string& target,
                                     const std::string& body, Headers headers) {
  headers["Idempotency-Key"] = NewKey();
  writes_.fetch_add(1, std::memory_order_acq_rel);
  return Send(method, target, body, headers);
}

}  // namespace walfs
