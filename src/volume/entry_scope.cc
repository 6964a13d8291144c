#include "volume/entry_scope.h"

#include <string>

namespace walfs {

Status EntryInVolume(const VolumeMap& map, std::string_view volume, const Entry& e) {
  auto check = [&](const std::string& path) {
    if (path.empty()) return Status::Ok();
    const Volume& v = map.Of(path);
    if (v.name == volume) return Status::Ok();
    return Status(Code::kCrossVolume,
                  path + " is in volume " + v.name + " (" + v.prefix + "), not in volume " +
                      std::string(volume) +
                      ": a rename or transaction cannot span volumes, each has its own log");
  };
  for (const auto& op : e.ops) {
    WALFS_RETURN_IF_ERROR(check(op.path));
    WALFS_RETURN_IF_ERROR(check(op.to));
  }
  for (const auto& c : e.conditions) WALFS_RETURN_IF_ERROR(check(c.path));
  return Status::Ok();
}

const Volume& VolumeOfEntry(const VolumeMap& map, const Entry& e) {
  for (const auto& op : e.ops) {
    if (!op.path.empty()) return map.Of(op.path);
  }
  for (const auto& c : e.conditions) {
    if (!c.path.empty()) return map.Of(c.path);
  }
  return map.volumes().front();
}

}  // namespace walfs
