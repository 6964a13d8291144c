// The body of POST /v1/tx: strict JSON (unknown fields and relative paths
// refused) into an entry.
#include "http/transaction_json.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <span>

#include "core/path.h"
#include "http/attr_fields.h"
#include "http/util.h"

namespace walfs {
namespace {

using nlohmann::json;

// Refuses fields outside `known` (a typo such as "overwite" must not be
// silently ignored).
Status OnlyFields(const json& j, std::span<const std::string_view> known, const char* what) {
  for (const auto& [k, v] : j.items()) {
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      return BadRequest(std::string("unknown field \"") + k + "\" in " + what);
    }
  }
  return Status::Ok();
}

Result<std::string> JsonPath(const json& j, const char* field, bool required = true) {
  if (!j.contains(field)) {
    if (!required) return std::string();
    return BadRequest(std::string("missing \"") + field + "\"");
  }
  if (!j[field].is_string()) return BadRequest(std::string("\"") + field + "\" must be a string");
  const auto& raw = j[field].get_ref<const std::string&>();
  if (raw.empty() || raw.front() != '/') {
    return BadRequest(std::string("\"") + field + "\" must be an absolute path (starting with /)");
  }
  auto p = NormalizePath(raw);
  if (!p.ok()) return p.status();
  return *p;
}

Result<std::string> JsonData(const json& j) {
  if (!j.contains("data")) return std::string();
  if (!j["data"].is_string()) return BadRequest("\"data\" must be a base64 string");
  auto d = Base64Decode(j["data"].get<std::string>());
  if (!d) return BadRequest("\"data\" is not valid base64");
  return *d;
}

Result<uint64_t> JsonU64(const json& j, const char* field) {
  if (!j.contains(field) || !j[field].is_number_unsigned()) {
    return BadRequest(std::string("\"") + field + "\" must be a non-negative integer");
  }
  return j[field].get<uint64_t>();
}

Result<bool> JsonBool(const json& j, const char* field) {
  if (!j.contains(field)) return false;
  if (!j[field].is_boolean())
    return BadRequest(std::string("\"") + field + "\" must be true or false");
  return j[field].get<bool>();
}

Result<Condition> ParseJsonCondition(const json& c) {
  if (!c.is_object()) return BadRequest("each condition must be an object");
  static constexpr std::string_view kCondFields[] = {"path", "version", "exists", "size"};
  WALFS_RETURN_IF_ERROR(OnlyFields(c, kCondFields, "a condition"));
  auto path = JsonPath(c, "path");
  if (!path.ok()) return path.status();
  int kinds = int(c.contains("version")) + int(c.contains("exists")) + int(c.contains("size"));
  if (kinds != 1) return BadRequest("a condition needs exactly one of version, exists, size");
  if (c.contains("version")) {
    if (!c["version"].is_string()) return BadRequest("\"version\" must be a string");
    auto v = Position::Parse(c["version"].get<std::string>());
    if (!v) return BadRequest("\"version\" is not a version");
    return Condition::Version(*path, *v);
  }
  if (c.contains("exists")) {
    auto e = JsonBool(c, "exists");
    if (!e.ok()) return e.status();
    return Condition::Exists(*path, *e);
  }
  auto n = JsonU64(c, "size");
  if (!n.ok()) return n.status();
  return Condition::Size(*path, *n);
}

std::span<const std::string_view> KnownOpFields(std::string_view op) {
  static constexpr std::string_view kData[] = {"op", "path", "data"};
  static constexpr std::string_view kWrite[] = {"op", "path", "offset", "data"};
  static constexpr std::string_view kTruncate[] = {"op", "path", "size"};
  static constexpr std::string_view kRename[] = {"op", "path", "to", "overwrite"};
  static constexpr std::string_view kDelete[] = {"op", "path", "recursive"};
  static constexpr std::string_view kPath[] = {"op", "path"};
  static constexpr std::string_view kSetAttr[] = {"op",  "path",     "mode",    "uid",
                                                  "gid", "atime_ms", "mtime_ms"};
  static constexpr std::string_view kSymlink[] = {"op", "path", "target"};
  if (op == "put" || op == "append") return kData;
  if (op == "write") return kWrite;
  if (op == "truncate") return kTruncate;
  if (op == "rename") return kRename;
  if (op == "delete") return kDelete;
  if (op == "setattr") return kSetAttr;
  if (op == "symlink") return kSymlink;
  return kPath;  // mkdir, and unknown ops (refused below by name)
}

Result<Op> ParseJsonOp(const json& j) {
  if (!j.is_object() || !j.contains("op") || !j["op"].is_string()) {
    return BadRequest("each op must be an object with a string \"op\"");
  }
  std::string name = j["op"].get<std::string>();
  WALFS_RETURN_IF_ERROR(OnlyFields(j, KnownOpFields(name), "an op"));
  auto path = JsonPath(j, "path");
  if (!path.ok()) return path.status();
  auto data = JsonData(j);
  if (!data.ok()) return data.status();
  if (name == "put") return Op::Put(*path, *data);
  if (name == "append") return Op::Append(*path, *data);
  if (name == "mkdir") return Op::Mkdir(*path);
  if (name == "setattr") {
    AttrChange a;
    for (std::string_view f : kAttrFields) {
      if (!j.contains(f)) continue;
      std::string text;
      if (f == "mode") {
        if (!j[f].is_string()) return BadRequest("\"mode\" must be a string of octal digits");
        text = j[f].get<std::string>();
      } else {
        auto n = JsonU64(j, std::string(f).c_str());
        if (!n.ok()) return n.status();
        text = std::to_string(*n);
      }
      WALFS_RETURN_IF_ERROR(SetAttrField(f, text, &a));
    }
    if (a == AttrChange{})
      return BadRequest("a setattr needs mode, uid, gid, atime_ms or mtime_ms");
    return Op::SetAttr(*path, a);
  }
  if (name == "symlink") {
    if (!j.contains("target") || !j["target"].is_string()) {
      return BadRequest("a symlink needs a string \"target\"");
    }
    return Op::Symlink(*path, j["target"].get<std::string>());
  }
  if (name == "write") {
    auto off = JsonU64(j, "offset");
    if (!off.ok()) return off.status();
    return Op::Write(*path, *off, *data);
  }
  if (name == "truncate") {
    auto size = JsonU64(j, "size");
    if (!size.ok()) return size.status();
    return Op::Truncate(*path, *size);
  }
  if (name == "rename") {
    auto to = JsonPath(j, "to");
    if (!to.ok()) return to.status();
    auto ow = JsonBool(j, "overwrite");
    if (!ow.ok()) return ow.status();
    return Op::Rename(*path, *to, *ow);
  }
  if (name == "delete") {
    auto rec = JsonBool(j, "recursive");
    if (!rec.ok()) return rec.status();
    return Op::Delete(*path, *rec);
  }
  return BadRequest("unknown op \"" + name + "\"");
}

}  // namespace

Result<Entry> ParseTransaction(std::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return BadRequest("the body is not a JSON object");
  static constexpr std::string_view kTxFields[] = {"idempotency_key", "conditions", "ops"};
  WALFS_RETURN_IF_ERROR(OnlyFields(j, kTxFields, "the transaction"));
  Entry e;
  if (j.contains("idempotency_key")) {
    if (!j["idempotency_key"].is_string())
      return BadRequest("\"idempotency_key\" must be a string");
    e.idempotency_key = j["idempotency_key"].get<std::string>();
    if (e.idempotency_key.size() > kMaxIdempotencyKeyBytes)
      return BadRequest("idempotency_key is too long");
    for (char c : e.idempotency_key) {
      if (c < 0x21 || c > 0x7e) return BadRequest("idempotency_key must be printable ASCII");
    }
  }
  if (j.contains("conditions")) {
    if (!j["conditions"].is_array()) return BadRequest("\"conditions\" must be an array");
    if (j["conditions"].size() > kMaxConditionsPerEntry) return BadRequest("too many conditions");
    for (const auto& c : j["conditions"]) {
      auto cond = ParseJsonCondition(c);
      if (!cond.ok()) return cond.status();
      e.conditions.push_back(std::move(cond).value());
    }
  }
  if (!j.contains("ops") || !j["ops"].is_array() || j["ops"].empty()) {
    return BadRequest("\"ops\" must be a non-empty array");
  }
  if (j["ops"].size() > kMaxOpsPerEntry) return BadRequest("too many ops (at most 1000)");
  for (const auto& o : j["ops"]) {
    auto op = ParseJsonOp(o);
    if (!op.ok()) return op.status();
    e.ops.push_back(std::move(op).value());
  }
  return e;
}

}  // namespace walfs
