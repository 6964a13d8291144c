// AuthGate: authentication and authorisation on the HTTP listener
// (api-v1.md, "Authentication and TLS"), in two steps:
//
//   Admit      at the request's head, before its body is read: the
//              credentials (auth/authenticate.h) -> 401 with
//              `WWW-Authenticate: Bearer`; an address past its failures per
//              minute -> 429; and, for every route whose paths the head
//              names, the right (auth/authorize.h) -> 403. A transaction's
//              paths are in its body: its head is checked for the role.
//   Authorize  on the parsed request, every path it names (a transaction's
//              ops and conditions; an upload's target once the handler has
//              looked it up): the decision, made by the one function.
//
// /healthz and /readyz need no credentials, nor /metrics with
// --metrics-public. Without --auth the gate admits and authorises
// everything. The principals are reloaded on SIGHUP (Reload): requests in
// flight keep the principal they were admitted with.
// Thread-safety: thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/auth_file.h"
#include "auth/authenticate.h"
#include "auth/failure_limiter.h"
#include "http/request.h"
#include "http/response.h"
#include "replica/options.h"
#include "runtime/mutex.h"

namespace walfs {

class AuthGate {
 public:
  // Reads opts.auth_file (none: authentication off); the error names the
  // file and the mistake, never a secret.
  static Result<std::unique_ptr<AuthGate>> Open(const ServerOptions& opts);

  bool enabled() const { return !path_.empty(); }
  // Reads the file again; on any mistake keeps the principals it had.
  Status Reload();

  struct Admission {
    std::optional<HttpResponse> refusal;  // 401, 403 or 429: answer it, read no body
    Identity identity;
  };
  // head: the request without its body. now_ms: wall-clock time.
  Admission Admit(const HttpRequest& head, std::string_view client_address, int64_t now_ms);

  // Credentials alone, for a listener that says its refusals its own way
  // (S3): blocked (past its failures per minute), or the verdict (a failed
  // one counted against the address).
  struct Credentials {
    bool blocked = false;
    AuthVerdict verdict;
  };
  Credentials Check(const HttpRequest& head, std::string_view client_address, int64_t now_ms);

  // Ok, 401 (no principal where one is needed) or 403. upload_target: the
  // target of the upload the request names (routes by upload id).
  Status Authorize(const HttpRequest& req, const ParsedRequest& p,
                   const std::string* upload_target = nullptr) const;

 private:
  AuthGate(std::string path, const ServerOptions& opts, std::shared_ptr<const AuthConfig> c);
  std::shared_ptr<const AuthConfig> config() const;

  const std::string path_;
  const ServerOptions& opts_;  // outlives the gate (the server's)
  FailureLimiter failures_;
  SigningKeyCache signing_keys_;
  mutable Mutex mu_;
  std::shared_ptr<const AuthConfig> config_ GUARDED_BY(mu_);
};

}  // namespace walfs
