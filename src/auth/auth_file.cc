#include "auth/auth_file.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "auth/crypto.h"
#include "core/path.h"

namespace walfs {
namespace {

using nlohmann::json;

Status Bad(const std::string& why) { return Status(Code::kBadRequest, "auth file: " + why); }

bool ValidName(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@';
    if (!ok) return false;
  }
  return true;
}

// AWS access key ids are upper-case letters and digits; walfs takes any
// letters and digits, 3 to 128 of them.
bool ValidAccessKey(std::string_view s) {
  if (s.size() < 3 || s.size() > 128) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

// Printable ASCII without spaces, 16 to 128 characters.
bool ValidSecret(std::string_view s) {
  if (s.size() < 16 || s.size() > 128) return false;
  for (char c : s) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

Result<std::string> StringField(const json& p, const char* field, const std::string& who) {
  const json& v = p.at(field);
  if (!v.is_string()) return Bad(who + ": \"" + field + "\" must be a string");
  return v.get<std::string>();
}

Result<Principal> ParsePrincipal(const json& p, size_t index) {
  std::string who = "principal " + std::to_string(index + 1);
  if (!p.is_object()) return Bad(who + " is not an object");
  static const std::set<std::string> kFields = {"name",         "role",          "prefixes",
                                                "token_sha256", "s3_access_key", "s3_secret_key"};
  for (const auto& [k, v] : p.items()) {
    if (!kFields.count(k)) {
      return Bad(who + " has an unknown field \"" + k +
                 "\" (fields: name, role, prefixes, token_sha256, s3_access_key, s3_secret_key)");
    }
  }
  Principal out;
  if (!p.contains("name")) return Bad(who + " has no \"name\"");
  auto name = StringField(p, "name", who);
  if (!name.ok()) return name.status();
  if (!ValidName(*name)) {
    return Bad(who + ": a name is 1 to 128 letters, digits and . _ - @");
  }
  out.name = *name;
  who = "principal \"" + out.name + "\"";
  if (!p.contains("role")) return Bad(who + " has no \"role\"");
  auto role = StringField(p, "role", who);
  if (!role.ok()) return role.status();
  auto r = RoleFromName(*role);
  if (!r) return Bad(who + ": role \"" + *role + "\" is not read, write or admin");
  out.role = *r;
  if (!p.contains("prefixes") || !p.at("prefixes").is_array() || p.at("prefixes").empty()) {
    return Bad(who + ": \"prefixes\" must be a non-empty list of paths (\"/\" for all)");
  }
  if (p.at("prefixes").size() > kPrefixesMax) {
    return Bad(who + " has more than " + std::to_string(kPrefixesMax) + " prefixes");
  }
  for (const auto& v : p.at("prefixes")) {
    if (!v.is_string()) return Bad(who + ": every prefix must be a string");
    std::string raw = v.get<std::string>();
    if (raw.empty() || raw[0] != '/') {
      return Bad(who + ": prefix \"" + raw + "\" must start with /");
    }
    auto canonical = NormalizePath(raw);
    if (!canonical.ok())
      return Bad(who + ": prefix \"" + raw + "\": " + canonical.status().message());
    out.prefixes.push_back(*canonical);
  }
  if (p.contains("token_sha256")) {
    auto hex = StringField(p, "token_sha256", who);
    if (!hex.ok()) return hex.status();
    auto raw = hex->size() == 64 ? FromHex(*hex) : std::nullopt;
    if (!raw) return Bad(who + ": \"token_sha256\" must be 64 hex digits (walfs token prints one)");
    out.token_sha256 = *raw;
  }
  if (p.contains("s3_access_key") != p.contains("s3_secret_key")) {
    return Bad(who + ": \"s3_access_key\" and \"s3_secret_key\" come together");
  }
  if (p.contains("s3_access_key")) {
    auto key = StringField(p, "s3_access_key", who);
    if (!key.ok()) return key.status();
    if (!ValidAccessKey(*key)) {
      return Bad(who + ": an s3_access_key is 3 to 128 letters and digits");
    }
    auto secret = StringField(p, "s3_secret_key", who);
    if (!secret.ok()) return secret.status();
    if (!ValidSecret(*secret)) {
      // The secret itself is never repeated.
      return Bad(who + ": an s3_secret_key is 16 to 128 printable characters without spaces");
    }
    out.s3_access_key = *key;
    out.s3_secret_key = *secret;
  }
  if (out.token_sha256.empty() && out.s3_access_key.empty()) {
    return Bad(who + " has no credential: give it a token_sha256, an S3 key pair, or both");
  }
  return out;
}

}  // namespace

const Principal* AuthConfig::ByToken(std::string_view token) const {
  std::string hash = Sha256(token);
  const Principal* found = nullptr;
  for (const auto& p : principals_) {
    // Every hash is compared, found or not.
    if (ConstantTimeEqual(hash, p.token_sha256) && found == nullptr) found = &p;
  }
  return found;
}

const Principal* AuthConfig::ByAccessKey(std::string_view access_key) const {
  auto it = by_access_key_.find(access_key);
  return it == by_access_key_.end() ? nullptr : &principals_[it->second];
}

Result<AuthConfig> ParseAuthFile(std::string_view text) {
  if (text.size() > kAuthFileBytesMax) {
    return Bad("over " + std::to_string(kAuthFileBytesMax) + " bytes");
  }
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("not valid JSON");
  if (!j.is_object() || !j.contains("principals") || !j.at("principals").is_array()) {
    return Bad("expected {\"principals\": [...]}");
  }
  for (const auto& [k, v] : j.items()) {
    if (k != "principals") return Bad("unknown field \"" + k + "\" (expected only \"principals\")");
  }
  const json& list = j.at("principals");
  if (list.size() > kPrincipalsMax) {
    return Bad("more than " + std::to_string(kPrincipalsMax) + " principals");
  }
  AuthConfig cfg;
  std::set<std::string> names, tokens;
  for (size_t i = 0; i < list.size(); ++i) {
    auto p = ParsePrincipal(list[i], i);
    if (!p.ok()) return p.status();
    if (!names.insert(p->name).second) {
      return Bad("two principals are named \"" + p->name + "\"");
    }
    if (!p->token_sha256.empty() && !tokens.insert(p->token_sha256).second) {
      return Bad("principal \"" + p->name + "\" has the same token_sha256 as another");
    }
    if (!p->s3_access_key.empty() &&
        !cfg.by_access_key_.emplace(p->s3_access_key, cfg.principals_.size()).second) {
      return Bad("principal \"" + p->name + "\" has the same s3_access_key as another");
    }
    cfg.principals_.push_back(std::move(p).value());
  }
  return cfg;
}

Result<AuthConfig> LoadAuthFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status(Code::kNotFound, "cannot read the auth file " + path);
  std::string text;
  char buf[65536];
  while (f.read(buf, sizeof buf) || f.gcount() > 0) {
    text.append(buf, static_cast<size_t>(f.gcount()));
    if (text.size() > kAuthFileBytesMax) break;
  }
  auto cfg = ParseAuthFile(text);
  if (!cfg.ok()) return Status(cfg.status().code(), path + ": " + cfg.status().message());
  return cfg;
}

}  // namespace walfs
