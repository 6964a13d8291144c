#include "auth/authenticate.h"

#include "auth/bearer.h"

namespace walfs {

AuthVerdict Authenticate(const std::shared_ptr<const AuthConfig>& config, std::string_view method,
                         std::string_view target, const SigV4Headers& headers, int64_t now,
                         SigningKeyCache* keys) {
  AuthVerdict v;
  auto principal = [&config](const Principal* p) {
    // Shares the config's lifetime: a reload does not pull it away.
    return std::shared_ptr<const Principal>(config, p);
  };
  SigV4Form form = DetectSigV4(headers, target);
  if (form != SigV4Form::kNone) {
    SigV4Verdict s = VerifySigV4(
        method, target, headers,
        [&config](std::string_view key) -> std::optional<std::string> {
          const Principal* p = config->ByAccessKey(key);
          if (p == nullptr) return std::nullopt;
          return p->s3_secret_key;
        },
        now, keys);
    if (s.error != SigV4Error::kOk) {
      v.sigv4_error = s.error;
      v.message = std::move(s.message);
      return v;
    }
    v.ok = true;
    v.identity.principal = principal(config->ByAccessKey(s.access_key));
    v.identity.payload = std::move(s.payload);
    return v;
  }
  auto it = headers.find("authorization");
  if (it == headers.end()) {
    v.ok = true;  // anonymous: only public routes will take it
    return v;
  }
  auto token = BearerToken(it->second);
  if (!token) {
    v.message = "the Authorization header is neither 'Bearer <token>' nor AWS4-HMAC-SHA256";
    return v;
  }
  const Principal* p = config->ByToken(*token);
  if (p == nullptr) {
    v.message = "the bearer token is not known";
    return v;
  }
  v.ok = true;
  v.identity.principal = principal(p);
  return v;
}

}  // namespace walfs
