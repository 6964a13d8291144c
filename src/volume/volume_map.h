// VolumeMap: how a cluster's namespace is split into volumes (scale-out.md,
// "Volumes"), each a subtree with its own log.
//
// The volume of "/" is `root`, on the log given by --log; every other comes
// from a `--volume NAME=/prefix@LOG_URL`. A path belongs to the volume whose
// prefix is the path or its nearest ancestor. Prefixes do not nest (a
// volume inside another would make a rename within the outer one cross
// volumes without its paths saying so), and no two volumes share a log.
// Every replica of a cluster is given the same map: Fingerprint() is what
// they compare.
//
// Positions of volumes other than root carry the volume's name
// ("big:1732-0"); root's carry none, so a cluster of one volume keeps its
// tokens.
// Thread-safety: immutable after Parse.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/position.h"
#include "core/status.h"

namespace walfs {

inline constexpr std::string_view kRootVolume = "root";

struct Volume {
  std::string name;
  std::string prefix;  // canonical; "/" for root
  std::string log_url;
};

class VolumeMap {
 public:
  // root_log: the log of "/"; specs: "NAME=/prefix@LOG_URL" each. Errors
  // (kBadRequest) name the spec and say what is wrong with it.
  static Result<VolumeMap> Parse(const std::string& root_log,
                                 const std::vector<std::string>& specs);

  // Root first, then the others by name.
  const std::vector<Volume>& volumes() const { return volumes_; }
  const Volume* Find(std::string_view name) const;
  // The volume of a canonical path.
  const Volume& Of(std::string_view path) const;
  // The volume that holds an upload: ids of a volume other than root begin
  // with its tag (UploadIdTag), so that a request by id reaches it.
  const Volume& OfUploadId(std::string_view id) const;
  // Identical on replicas given the same volumes: names and prefixes (not
  // the log URLs, which replicas may spell differently and which may carry
  // credentials). Empty for a cluster of one volume. Shown in /v1/cluster.
  std::string Fingerprint() const;

 private:
  std::vector<Volume> volumes_;
};

// The first kUploadIdTagChars hex digits of an upload id of volume name.
inline constexpr size_t kUploadIdTagChars = 8;
std::string UploadIdTag(std::string_view name);

// A position within a volume, as clients see it.
struct VolumePosition {
  std::string volume = std::string(kRootVolume);
  Position pos;
};
// "1732-0" for root, "big:1732-0" for another volume.
std::string FormatVolumePosition(std::string_view volume, Position pos);
// The reverse; nullopt if it is neither.
std::optional<VolumePosition> ParseVolumePosition(std::string_view s);

}  // namespace walfs
