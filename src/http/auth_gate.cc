#include "http/auth_gate.h"

#include "auth/authorize.h"
#include "http/access.h"
#include "http/errors.h"

namespace walfs {
namespace {

Status NeedsCredentials() {
  return Status(Code::kUnauthorized,
                "this request needs credentials: Authorization: Bearer <token>, or AWS Signature "
                "Version 4");
}

bool PublicTarget(std::string_view target, bool metrics_public) {
  std::string_view path = target.substr(0, target.find('?'));
  return path == "/healthz" || path == "/readyz" || (metrics_public && path == "/metrics");
}

// What a request asks, its upload's target added; with head_only, the
// paths a body may add are not known yet: a transaction is checked for
// its role alone.
Status Decide(const Principal* who, const ParsedRequest& p, bool metrics_public,
              const std::string* upload_target, bool head_only) {
  RouteAccess ra = AccessFor(p, metrics_public);
  if (ra.request.access == Access::kPublic) return Status::Ok();
  if (who == nullptr) return NeedsCredentials();
  if (ra.upload_target) {
    if (upload_target != nullptr) ra.request.paths.push_back(*upload_target);
  } else if (head_only && p.route == Route::kTx) {
    ra.request.paths.clear();
  }
  return Authorize(*who, ra.request);
}

}  // namespace

Result<std::unique_ptr<AuthGate>> AuthGate::Open(const ServerOptions& opts) {
  std::shared_ptr<const AuthConfig> config;
  if (!opts.auth_file.empty()) {
    auto loaded = LoadAuthFile(opts.auth_file);
    if (!loaded.ok()) return loaded.status();
    config = std::make_shared<const AuthConfig>(std::move(loaded).value());
  }
  return std::unique_ptr<AuthGate>(new AuthGate(opts.auth_file, opts, std::move(config)));
}

AuthGate::AuthGate(std::string path, const ServerOptions& opts, std::shared_ptr<const AuthConfig> c)
    : path_(std::move(path)),
      opts_(opts),
      failures_(opts.auth_failures_per_minute_max),
      config_(std::move(c)) {}

std::shared_ptr<const AuthConfig> AuthGate::config() const {
  MutexLock lock(&mu_);
  return config_;
}

Status AuthGate::Reload() {
  if (!enabled()) return Status::Ok();
  auto loaded = LoadAuthFile(path_);
  if (!loaded.ok()) return loaded.status();
  auto fresh = std::make_shared<const AuthConfig>(std::move(loaded).value());
  MutexLock lock(&mu_);
  config_ = std::move(fresh);
  return Status::Ok();
}

AuthGate::Credentials AuthGate::Check(const HttpRequest& head, std::string_view client_address,
                                      int64_t now_ms) {
  Credentials c;
  if (failures_.Blocked(client_address, now_ms)) {
    c.blocked = true;
    return c;
  }
  c.verdict =
      Authenticate(config(), head.method, head.target, head.headers, now_ms / 1000, &signing_keys_);
  if (!c.verdict.ok) failures_.RecordFailure(client_address, now_ms);
  return c;
}

AuthGate::Admission AuthGate::Admit(const HttpRequest& head, std::string_view client_address,
                                    int64_t now_ms) {
  Admission a;
  // Probes are answered whatever credentials come with them.
  if (!enabled() || PublicTarget(head.target, opts_.metrics_public)) return a;
  Credentials c = Check(head, client_address, now_ms);
  if (c.blocked) {
    HttpResponse r = Error(Code::kTooManyRequests,
                           "too many failed authentications from this address in the last "
                           "minute; try again later");
    r.headers.emplace_back("Retry-After", "60");
    a.refusal = std::move(r);
    return a;
  }
  AuthVerdict& v = c.verdict;
  if (!v.ok) {
    a.refusal = Error(Code::kUnauthorized, v.message);
    return a;
  }
  auto parsed = ParseRequest(head, opts_);
  // A head that does not parse is answered 400 once its body is read,
  // if its credentials pass; it is refused here if they are absent.
  Status st = Status::Ok();
  if (parsed.ok()) {
    st = Decide(v.identity.principal.get(), *parsed, opts_.metrics_public, nullptr, true);
  } else if (!v.identity.principal) {
    st = NeedsCredentials();
  }
  if (!st.ok()) {
    a.refusal = Error(st);
    return a;
  }
  a.identity = std::move(v.identity);
  return a;
}

Status AuthGate::Authorize(const HttpRequest& req, const ParsedRequest& p,
                           const std::string* upload_target) const {
  if (!enabled()) return Status::Ok();
  return Decide(req.principal.get(), p, opts_.metrics_public, upload_target, false);
}

}  // namespace walfs
