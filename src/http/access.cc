#include "http/access.h"

#include <algorithm>

namespace walfs {
namespace {

void AddPath(std::vector<std::string>* paths, const std::string& path) {
  if (path.empty()) return;
  if (std::find(paths->begin(), paths->end(), path) == paths->end()) paths->push_back(path);
}

}  // namespace

bool IsUploadByIdRoute(Route r) {
  return r == Route::kUploadGet || r == Route::kUploadAbort || r == Route::kUploadPart ||
         r == Route::kUploadCommit;
}

RouteAccess AccessFor(const ParsedRequest& p, bool metrics_public) {
  RouteAccess out;
  AccessRequest& r = out.request;
  switch (p.route) {
    case Route::kHealthz:
    case Route::kReadyz:
    case Route::kConsole:  // files without data: the console's requests carry the token
      r.access = Access::kPublic;
      break;
    case Route::kMetrics:
      r.access = metrics_public ? Access::kPublic : Access::kAdmin;
      break;
    case Route::kCluster:
    case Route::kSnapshotsList:
    case Route::kSnapshotsTake:
      r.access = Access::kAdmin;
      break;
    case Route::kFsRead:
      r.access = Access::kRead;
      AddPath(&r.paths, p.read.path);
      break;
    case Route::kWatch:
      r.access = Access::kRead;
      AddPath(&r.paths, p.watch.path);
      break;
    case Route::kFsWrite:
    case Route::kTx:
      r.access = Access::kWrite;
      for (const auto& op : p.write.entry.ops) {
        AddPath(&r.paths, op.path);
        if (op.type == OpType::kRename) AddPath(&r.paths, op.to);
      }
      for (const auto& c : p.write.entry.conditions) AddPath(&r.paths, c.path);
      break;
    case Route::kUploadCreate:
      r.access = Access::kWrite;
      AddPath(&r.paths, p.upload.path);
      break;
    case Route::kUploadList:
      r.access = Access::kRead;
      AddPath(&r.paths, p.upload.path.empty() ? std::string("/") : p.upload.path);
      break;
    case Route::kUploadGet:
    case Route::kUploadAbort:
    case Route::kUploadPart:
    case Route::kUploadCommit:
      r.access = Access::kWrite;
      out.upload_target = true;
      break;
  }
  return out;
}

}  // namespace walfs
