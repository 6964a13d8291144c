#include "volume/volume_map.h"

#include <algorithm>

#include <cstdio>

#include "core/hash.h"
#include "core/path.h"

namespace walfs {
namespace {

bool ValidName(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// A local log lives under its volume's own directory: several volumes may
// each have one.
bool IsLocal(std::string_view log) { return log == "local" || log.rfind("local?", 0) == 0; }

}  // namespace

Result<VolumeMap> VolumeMap::Parse(const std::string& root_log,
                                   const std::vector<std::string>& specs) {
  VolumeMap m;
  m.volumes_.push_back(Volume{std::string(kRootVolume), "/", root_log});
  for (const auto& spec : specs) {
    auto bad = [&](const std::string& why) {
      return Status(Code::kBadRequest,
                    // Not the log URL: it may carry a password.
                    "bad --volume '" + spec.substr(0, spec.find('@')) + "@...': " + why +
                        " (the form is NAME=/prefix@LOG_URL)");
    };
    size_t eq = spec.find('='), at = spec.find('@', eq == std::string::npos ? 0 : eq);
    if (eq == std::string::npos || at == std::string::npos) return bad("no '=' or no '@'");
    Volume v{spec.substr(0, eq), spec.substr(eq + 1, at - eq - 1), spec.substr(at + 1)};
    if (!ValidName(v.name)) return bad("a name is 1 to 64 of a-z, 0-9, '-' and '_'");
    if (v.name == kRootVolume) return bad("'root' is the volume of / (its log is --log)");
    auto prefix = NormalizePath(v.prefix);
    if (!prefix.ok() || v.prefix.empty() || v.prefix[0] != '/') {
      return bad("the prefix is an absolute path");
    }
    v.prefix = *prefix;
    if (v.prefix == "/") return bad("/ is the root volume's");
    if (v.log_url.empty()) return bad("no log");
    for (const auto& o : m.volumes_) {
      if (o.name == v.name) return bad("the name " + v.name + " is taken");
      if (o.name != kRootVolume &&
          (IsSameOrBeneath(v.prefix, o.prefix) || IsSameOrBeneath(o.prefix, v.prefix))) {
        return bad("its prefix and " + o.name + "'s (" + o.prefix + ") nest");
      }
      if (o.log_url == v.log_url && !IsLocal(v.log_url)) {
        return bad("its log is " + o.name + "'s: each volume has its own (another stream)");
      }
    }
    m.volumes_.push_back(std::move(v));
  }
  std::sort(m.volumes_.begin() + 1, m.volumes_.end(),
            [](const Volume& a, const Volume& b) { return a.name < b.name; });
  return m;
}

const Volume* VolumeMap::Find(std::string_view name) const {
  for (const auto& v : volumes_) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const Volume& VolumeMap::Of(std::string_view path) const {
  // Prefixes do not nest: at most one other than root holds the path.
  for (size_t i = 1; i < volumes_.size(); ++i) {
    if (IsSameOrBeneath(path, volumes_[i].prefix)) return volumes_[i];
  }
  return volumes_[0];
}

const Volume& VolumeMap::OfUploadId(std::string_view id) const {
  std::string_view tag = id.substr(0, kUploadIdTagChars);
  for (size_t i = 1; i < volumes_.size(); ++i) {
    if (UploadIdTag(volumes_[i].name) == tag) return volumes_[i];
  }
  return volumes_[0];
}

std::string VolumeMap::Fingerprint() const {
  std::string out;
  for (const auto& v : volumes_) {
    if (v.name == kRootVolume) continue;
    if (!out.empty()) out += ",";
    out += v.name + "=" + v.prefix;
  }
  return out;
}

std::string UploadIdTag(std::string_view name) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(
                    Checksum64(std::string("walfs-volume:") + std::string(name))));
  return std::string(buf, kUploadIdTagChars);
}

std::string FormatVolumePosition(std::string_view volume, Position pos) {
  if (volume == kRootVolume) return pos.ToString();
  return std::string(volume) + ":" + pos.ToString();
}

std::optional<VolumePosition> ParseVolumePosition(std::string_view s) {
  VolumePosition out;
  if (size_t colon = s.find(':'); colon != std::string_view::npos) {
    out.volume = std::string(s.substr(0, colon));
    if (!ValidName(out.volume)) return std::nullopt;
    s.remove_prefix(colon + 1);
  }
  auto p = Position::Parse(s);
  if (!p) return std::nullopt;
  out.pos = *p;
  return out;
}

}  // namespace walfs
