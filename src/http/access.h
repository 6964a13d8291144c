// AccessFor: what a parsed request asks of the principal making it (see
// auth/authorize.h), from its route and every path it names. Every route
// is here; a new route that is not fails the table test in
// tests/unit/http/access_test.cc.
//
//   /healthz, /readyz                        public
//   /metrics                                 admin (public with --metrics-public)
//   /v1/cluster, /v1/admin/*                 admin
//   GET, HEAD /v1/fs/PATH (read, stat, list) read   PATH
//   PUT, POST, DELETE /v1/fs/PATH            write  PATH (a rename: and its destination)
//   POST /v1/tx                              write  every path an op or a condition names
//   POST /v1/uploads                         write  the target
//   GET /v1/uploads?path=PREFIX              read   PREFIX
//   /v1/uploads/{id}...                      write  the upload's target, which only the
//                                                   store knows: upload_target is set, and
//                                                   the handler adds it before it decides
// Thread-safety: pure function.
#pragma once

#include "auth/authorize.h"
#include "http/request.h"

namespace walfs {

struct RouteAccess {
  AccessRequest request;
  bool upload_target = false;  // add the named upload's target path, then decide
};

RouteAccess AccessFor(const ParsedRequest& p, bool metrics_public);

// The routes that name an upload by its id (get, abort, part, commit).
bool IsUploadByIdRoute(Route r);

}  // namespace walfs
