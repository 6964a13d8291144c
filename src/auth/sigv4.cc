#include "auth/sigv4.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <ctime>

#include "auth/crypto.h"
#include "core/hash.h"
#include "core/path.h"

namespace walfs {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr size_t kSignedHeadersMax = 64;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsLowerHex(std::string_view s, size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (size_t at = 0;;) {
    size_t next = s.find(sep, at);
    out.push_back(
        s.substr(at, next == std::string_view::npos ? std::string_view::npos : next - at));
    if (next == std::string_view::npos) return out;
    at = next + 1;
  }
}

// "AK/DATE/REGION/SERVICE/aws4_request" into c; false if malformed.
bool ParseScope(std::string_view s, SigV4Credential* c, std::string* why) {
  auto parts = Split(s, '/');
  if (parts.size() != 5 || parts[0].empty() || parts[2].empty() || parts[3].empty() ||
      parts[4] != "aws4_request" || parts[1].size() != 8 ||
      !std::all_of(parts[1].begin(), parts[1].end(),
                   [](char ch) { return ch >= '0' && ch <= '9'; })) {
    *why = "the credential is not ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request";
    return false;
  }
  c->access_key = parts[0];
  c->date = parts[1];
  c->region = parts[2];
  c->service = parts[3];
  return true;
}

bool ParseSignedHeaders(std::string_view s, SigV4Credential* c, std::string* why) {
  auto names = Split(s, ';');
  if (s.empty() || names.size() > kSignedHeadersMax) {
    *why = "the signed headers are missing or more than " + std::to_string(kSignedHeadersMax);
    return false;
  }
  for (auto n : names) {
    if (n.empty() || std::any_of(n.begin(), n.end(), [](char ch) {
          return (ch >= 'A' && ch <= 'Z') || ch == ' ' || ch == ':';
        })) {
      *why = "the signed headers are not lower-case names separated by ';'";
      return false;
    }
    c->signed_headers.emplace_back(n);
  }
  return true;
}

std::optional<int> Digits(std::string_view s) {
  int v = 0;
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int64_t> FromFields(int y, int mo, int d, int h, int mi, int s) {
  if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm));
}

// The query's pairs, decoded, without X-Amz-Signature.
std::optional<std::vector<std::pair<std::string, std::string>>> QueryPairs(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  if (q.empty()) return out;
  for (auto piece : Split(q, '&')) {
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    auto k = PercentDecode(piece.substr(0, eq));
    auto v =
        PercentDecode(eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1));
    if (!k.ok() || !v.ok()) return std::nullopt;
    out.emplace_back(std::move(*k), std::move(*v));
  }
  return out;
}

const std::string* Find(const SigV4Headers& h, std::string_view name) {
  auto it = h.find(name);
  return it == h.end() ? nullptr : &it->second;
}

}  // namespace

SigV4Form DetectSigV4(const SigV4Headers& headers, std::string_view target) {
  if (const std::string* a = Find(headers, "authorization");
      a != nullptr && a->compare(0, kAlgorithm.size(), kAlgorithm) == 0) {
    return SigV4Form::kHeader;
  }
  size_t q = target.find('?');
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    for (auto piece : Split(query, '&')) {
      if (piece.substr(0, piece.find('=')) == "X-Amz-Signature") return SigV4Form::kPresigned;
    }
  }
  return SigV4Form::kNone;
}

std::optional<SigV4Credential> ParseSigV4Authorization(std::string_view value, std::string* why) {
  if (value.substr(0, kAlgorithm.size()) != kAlgorithm || value.size() == kAlgorithm.size() ||
      value[kAlgorithm.size()] != ' ') {
    *why = "the Authorization header is not AWS4-HMAC-SHA256";
    return std::nullopt;
  }
  SigV4Credential c;
  bool have_cred = false, have_headers = false, have_sig = false;
  for (auto part : Split(value.substr(kAlgorithm.size() + 1), ',')) {
    part = Trim(part);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      *why = "the Authorization header has a part without '='";
      return std::nullopt;
    }
    std::string_view k = part.substr(0, eq), v = part.substr(eq + 1);
    if (k == "Credential" && !have_cred) {
      if (!ParseScope(v, &c, why)) return std::nullopt;
      have_cred = true;
    } else if (k == "SignedHeaders" && !have_headers) {
      if (!ParseSignedHeaders(v, &c, why)) return std::nullopt;
      have_headers = true;
    } else if (k == "Signature" && !have_sig) {
      if (!IsLowerHex(v, 64)) {
        *why = "the signature is not 64 lower-case hex digits";
        return std::nullopt;
      }
      c.signature = v;
      have_sig = true;
    } else {
      *why = "the Authorization header has an unknown or repeated part";
      return std::nullopt;
    }
  }
  if (!have_cred || !have_headers || !have_sig) {
    *why = "the Authorization header lacks Credential, SignedHeaders or Signature";
    return std::nullopt;
  }
  return c;
}

std::optional<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  auto y = Digits(s.substr(0, 4)), mo = Digits(s.substr(4, 2)), d = Digits(s.substr(6, 2)),
       h = Digits(s.substr(9, 2)), mi = Digits(s.substr(11, 2)), sec = Digits(s.substr(13, 2));
  if (!y || !mo || !d || !h || !mi || !sec) return std::nullopt;
  return FromFields(*y, *mo, *d, *h, *mi, *sec);
}

std::optional<std::string> CanonicalRequest(std::string_view method, std::string_view target,
                                            const SigV4Headers& headers,
                                            const std::vector<std::string>& signed_headers,
                                            std::string_view payload_hash, std::string* why) {
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  std::string_view raw_query =
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  auto path = PercentDecode(raw_path);
  auto pairs = QueryPairs(raw_query);
  if (!path.ok() || !pairs || raw_path.empty() || raw_path.front() != '/') {
    *why = "the request target is not a well-formed path and query";
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> encoded;
  for (auto& [k, v] : *pairs) {
    if (k == "X-Amz-Signature") continue;
    encoded.emplace_back(PercentEncode(k, false), PercentEncode(v, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  out.reserve(512);
  out.append(method).push_back('\n');
  out.append(PercentEncode(*path, true)).push_back('\n');
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (i > 0) out.push_back('&');
    out.append(encoded[i].first).push_back('=');
    out.append(encoded[i].second);
  }
  out.push_back('\n');
  for (const auto& name : signed_headers) {
    const std::string* v = Find(headers, name);
    if (v == nullptr) {
      *why = "the signed header '" + name + "' is not in the request";
      return std::nullopt;
    }
    out.append(name).push_back(':');
    // The value trimmed, each inner run of spaces made one.
    std::string_view t = Trim(*v);
    bool space = false;
    for (char c : t) {
      if (c == ' ' || c == '\t') {
        space = true;
        continue;
      }
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
    out.push_back('\n');
  }
  out.push_back('\n');
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out.push_back(';');
    out.append(signed_headers[i]);
  }
  out.push_back('\n');
  out.append(payload_hash);
  return out;
}

std::string SigV4SigningKey(std::string_view secret, const SigV4Credential& c) {
  std::string k = HmacSha256("AWS4" + std::string(secret), c.date);
  k = HmacSha256(k, c.region);
  k = HmacSha256(k, c.service);
  return HmacSha256(k, "aws4_request");
}

std::string SigningKeyCache::Get(std::string_view secret, const SigV4Credential& c) {
  std::string id = c.scope();
  id.push_back('\n');
  id.append(secret);
  {
    MutexLock lock(&mu_);
    auto it = keys_.find(id);
    if (it != keys_.end()) return it->second;
  }
  std::string key = SigV4SigningKey(secret, c);
  MutexLock lock(&mu_);
  if (keys_.size() >= kEntriesMax) keys_.clear();
  keys_.emplace(std::move(id), key);
  return key;
}

std::string SigV4StringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view canonical_request) {
  std::string s;
  s.reserve(160);
  s.append(kAlgorithm).push_back('\n');
  s.append(amz_date).push_back('\n');
  s.append(scope).push_back('\n');
  s.append(ToHex(Sha256(canonical_request)));
  return s;
}

std::string HexHmac(std::string_view key, std::string_view data) {
  return ToHex(HmacSha256(key, data));
}

SigV4Headers SignSigV4(std::string_view method, std::string_view target, std::string_view host,
                       std::string_view payload_hash, const SigV4Credential& scope,
                       std::string_view secret, int64_t now, SigningKeyCache* keys) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y%m%dT%H%M%SZ", &tm);
  SigV4Credential c = scope;
  c.date = std::string(date, 8);
  c.signed_headers = {"host", "x-amz-content-sha256", "x-amz-date"};
  SigV4Headers h = {{"host", std::string(host)},
                    {"x-amz-content-sha256", std::string(payload_hash)},
                    {"x-amz-date", date}};
  std::string why;
  auto creq = CanonicalRequest(method, target, h, c.signed_headers, payload_hash, &why);
  std::string signature =
      creq ? HexHmac(keys != nullptr ? keys->Get(secret, c) : SigV4SigningKey(secret, c),
                     SigV4StringToSign(date, c.scope(), *creq))
           : "";
  h["authorization"] =
      std::string(kAlgorithm) + " Credential=" + c.access_key + "/" + c.scope() +
      ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + signature;
  return h;
}

SigV4Verdict VerifySigV4(std::string_view method, std::string_view target,
                         const SigV4Headers& headers, const SecretLookup& secret_of, int64_t now,
                         SigningKeyCache* keys) {
  SigV4Verdict v;
  auto fail = [&v](SigV4Error e, std::string m) {
    v.error = e;
    v.message = std::move(m);
    return v;
  };
  std::string why;
  SigV4Credential c;
  std::string amz_date;
  int64_t signed_at = 0;
  std::string payload_hash;
  SigV4Form form = DetectSigV4(headers, target);
  if (form == SigV4Form::kHeader) {
    auto parsed = ParseSigV4Authorization(*Find(headers, "authorization"), &why);
    if (!parsed) return fail(SigV4Error::kMalformed, why);
    c = std::move(*parsed);
    if (const std::string* d = Find(headers, "x-amz-date")) {
      auto t = ParseAmzDate(*d);
      if (!t) return fail(SigV4Error::kMalformed, "X-Amz-Date is not YYYYMMDDTHHMMSSZ");
      amz_date = *d;
      signed_at = *t;
    } else {
      return fail(SigV4Error::kMalformed, "a signed request needs X-Amz-Date");
    }
    const std::string* h = Find(headers, "x-amz-content-sha256");
    if (h != nullptr) {
      payload_hash = *h;
    } else {
      // SigV4 outside S3 signs the body's hash without sending it: known
      // at the head only for a request without a body.
      const std::string* length = Find(headers, "content-length");
      if ((length != nullptr && *length != "0") || Find(headers, "transfer-encoding") != nullptr) {
        return fail(SigV4Error::kMalformed,
                    "a signed request with a body needs x-amz-content-sha256");
      }
      payload_hash = ToHex(Sha256(""));
    }
  } else if (form == SigV4Form::kPresigned) {
    auto pairs = QueryPairs(target.substr(target.find('?') + 1));
    if (!pairs) return fail(SigV4Error::kMalformed, "the query has a bad %-escape");
    std::map<std::string, std::string, std::less<>> q(pairs->begin(), pairs->end());
    auto get = [&q](std::string_view k) -> const std::string* {
      auto it = q.find(k);
      return it == q.end() ? nullptr : &it->second;
    };
    const std::string *alg = get("X-Amz-Algorithm"), *cred = get("X-Amz-Credential"),
                      *date = get("X-Amz-Date"), *expires = get("X-Amz-Expires"),
                      *sh = get("X-Amz-SignedHeaders"), *sig = get("X-Amz-Signature");
    if (alg == nullptr || *alg != kAlgorithm || cred == nullptr || date == nullptr ||
        expires == nullptr || sh == nullptr || sig == nullptr) {
      return fail(SigV4Error::kMalformed,
                  "a presigned URL needs X-Amz-Algorithm=AWS4-HMAC-SHA256, X-Amz-Credential, "
                  "X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature");
    }
    if (!ParseScope(*cred, &c, &why) || !ParseSignedHeaders(*sh, &c, &why)) {
      return fail(SigV4Error::kMalformed, why);
    }
    if (!IsLowerHex(*sig, 64)) {
      return fail(SigV4Error::kMalformed, "the signature is not 64 lower-case hex digits");
    }
    c.signature = *sig;
    auto t = ParseAmzDate(*date);
    auto secs = Digits(*expires);
    if (!t) return fail(SigV4Error::kMalformed, "X-Amz-Date is not YYYYMMDDTHHMMSSZ");
    if (!secs || *secs < 1 || *secs > kSigV4PresignedExpiresMax) {
      return fail(SigV4Error::kMalformed, "X-Amz-Expires must be 1 to 604800 seconds");
    }
    amz_date = *date;
    signed_at = *t;
    if (now > signed_at + *secs) {
      return fail(
          SigV4Error::kExpired,
          "the presigned URL expired " + std::to_string(now - signed_at - *secs) + " seconds ago");
    }
    const std::string* h = get("X-Amz-Content-Sha256");
    payload_hash = h != nullptr ? *h : std::string(kUnsignedPayload);
  } else {
    return fail(SigV4Error::kMalformed, "the request is not signed with AWS Signature Version 4");
  }
  v.access_key = c.access_key;
  if (amz_date.substr(0, 8) != c.date) {
    return fail(SigV4Error::kMalformed, "the credential's date is not the request's date");
  }
  if (std::find(c.signed_headers.begin(), c.signed_headers.end(), "host") ==
      c.signed_headers.end()) {
    return fail(SigV4Error::kMalformed, "the Host header must be signed");
  }
  PayloadCheck& p = v.payload;
  if (payload_hash == kUnsignedPayload) {
    p.kind = PayloadCheck::Kind::kNone;
  } else if (IsLowerHex(payload_hash, 64)) {
    p.kind = PayloadCheck::Kind::kSha256;
    p.sha256 = *FromHex(payload_hash);
  } else if (payload_hash == kStreamingSigned || payload_hash == kStreamingSignedTrailer ||
             payload_hash == kStreamingUnsignedTrailer) {
    if (form != SigV4Form::kHeader) {
      return fail(SigV4Error::kMalformed, "a presigned URL cannot sign a streamed payload");
    }
    p.kind = PayloadCheck::Kind::kChunked;
    p.chunk_signatures = payload_hash != kStreamingUnsignedTrailer;
    p.trailer = payload_hash != kStreamingSigned;
    if (const std::string* d = Find(headers, "x-amz-decoded-content-length")) {
      uint64_t u = 0;
      auto [ptr, ec] = std::from_chars(d->data(), d->data() + d->size(), u);
      if (ec != std::errc() || ptr != d->data() + d->size() || d->empty()) {
        return fail(SigV4Error::kMalformed, "x-amz-decoded-content-length is not a number");
      }
      p.decoded_length = u;
    }
  } else {
    return fail(SigV4Error::kMalformed,
                "x-amz-content-sha256 is not a hex SHA-256, UNSIGNED-PAYLOAD or STREAMING-*");
  }
  std::optional<std::string> secret = secret_of(c.access_key);
  if (!secret) return fail(SigV4Error::kUnknownKey, "no principal has this access key");
  if (form == SigV4Form::kHeader &&
      (signed_at > now + kSigV4SkewSecondsMax || signed_at < now - kSigV4SkewSecondsMax)) {
    return fail(SigV4Error::kSkewed, "the request's date is " +
                                         std::to_string(std::abs(now - signed_at)) +
                                         " seconds from the server's clock (at most 900)");
  }
  if (form == SigV4Form::kPresigned && signed_at > now + kSigV4SkewSecondsMax) {
    return fail(SigV4Error::kSkewed, "the presigned URL's date is in the future");
  }
  auto creq = CanonicalRequest(method, target, headers, c.signed_headers, payload_hash, &why);
  if (!creq) return fail(SigV4Error::kMalformed, why);
  std::string key = keys != nullptr ? keys->Get(*secret, c) : SigV4SigningKey(*secret, c);
  std::string expected = HexHmac(key, SigV4StringToSign(amz_date, c.scope(), *creq));
  if (!ConstantTimeEqual(expected, c.signature)) {
    return fail(SigV4Error::kBadSignature,
                "the signature does not match the request and the access key's secret");
  }
  if (p.kind == PayloadCheck::Kind::kChunked) {
    p.signing_key = std::move(key);
    p.amz_date = amz_date;
    p.scope = c.scope();
    p.seed_signature = c.signature;
  }
  return v;
}

}  // namespace walfs
