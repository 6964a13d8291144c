// Entry scope: every path an entry names lies in one volume (scale-out.md,
// "Volumes"). A rename or transaction across volumes cannot be one entry of
// one log, so it is refused before it is proposed, as rename(2) across file
// systems is (EXDEV).
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "codec/entry.h"
#include "core/status.h"
#include "volume/volume_map.h"

namespace walfs {

// Ok if every path of e (ops, rename targets, conditions) is in volume;
// otherwise kCrossVolume naming the first path that is not, and its volume.
Status EntryInVolume(const VolumeMap& map, std::string_view volume, const Entry& e);

// The volume of an entry's first path (root for an entry that names none).
const Volume& VolumeOfEntry(const VolumeMap& map, const Entry& e);

}  // namespace walfs
