// AccessFor over every route: what each asks of a principal (public, read,
// write, admin) and every path it names, from real requests through the
// parser. A route added to http/request.h without a row here fails
// EveryRouteHasARow.
#include "http/access.h"

#include <gtest/gtest.h>

#include <set>

namespace walfs {
namespace {

HttpRequest RouteReq(std::string method, std::string target, std::string body = "") {
  return HttpRequest{std::move(method), std::move(target), {}, std::move(body), {}, {}};
}

struct RouteRow {
  const char* method;
  std::string target;
  std::string body;
  Route route;
  Access access;
  std::vector<std::string> paths;
  bool upload_target = false;
};

const std::string kRouteUploadId(32, 'a');

std::vector<RouteRow> RouteRows() {
  return {
      {"GET", "/healthz", "", Route::kHealthz, Access::kPublic, {}},
      {"GET", "/readyz", "", Route::kReadyz, Access::kPublic, {}},
      {"GET", "/metrics", "", Route::kMetrics, Access::kAdmin, {}},
      {"GET", "/v1/cluster", "", Route::kCluster, Access::kAdmin, {}},
      {"GET", "/v1/admin/snapshots", "", Route::kSnapshotsList, Access::kAdmin, {}},
      {"POST", "/v1/admin/snapshots", "", Route::kSnapshotsTake, Access::kAdmin, {}},
      {"GET", "/v1/fs/team/a.log", "", Route::kFsRead, Access::kRead, {"/team/a.log"}},
      {"HEAD", "/v1/fs/team/a.log", "", Route::kFsRead, Access::kRead, {"/team/a.log"}},
      {"GET", "/v1/fs/team/?list&recursive", "", Route::kFsRead, Access::kRead, {"/team"}},
      {"GET", "/v1/fs/team/a.log?stat", "", Route::kFsRead, Access::kRead, {"/team/a.log"}},
      {"PUT", "/v1/fs/team/a.log", "x", Route::kFsWrite, Access::kWrite, {"/team/a.log"}},
      {"POST",
       "/v1/fs/team/a.log?op=append",
       "x",
       Route::kFsWrite,
       Access::kWrite,
       {"/team/a.log"}},
      {"POST",
       "/v1/fs/team/a.log?op=write&offset=3",
       "x",
       Route::kFsWrite,
       Access::kWrite,
       {"/team/a.log"}},
      {"POST",
       "/v1/fs/team/a.log?op=truncate&size=1",
       "",
       Route::kFsWrite,
       Access::kWrite,
       {"/team/a.log"}},
      {"POST", "/v1/fs/team/d?op=mkdir", "", Route::kFsWrite, Access::kWrite, {"/team/d"}},
      {"POST",
       "/v1/fs/team/a?op=rename&to=%2Fother%2Fb",
       "",
       Route::kFsWrite,
       Access::kWrite,
       {"/team/a", "/other/b"}},
      {"DELETE", "/v1/fs/team/d?recursive=true", "", Route::kFsWrite, Access::kWrite, {"/team/d"}},
      {"POST",
       "/v1/tx",
       R"({"conditions": [{"path": "/c/x", "exists": true}],
           "ops": [{"op": "put", "path": "/a/x", "data": ""},
                   {"op": "rename", "path": "/a/y", "to": "/b/y", "overwrite": false}]})",
       Route::kTx,
       Access::kWrite,
       {"/a/x", "/a/y", "/b/y", "/c/x"}},
      {"POST",
       "/v1/uploads",
       R"({"path": "/team/big.bin"})",
       Route::kUploadCreate,
       Access::kWrite,
       {"/team/big.bin"}},
      {"GET", "/v1/uploads?path=/team", "", Route::kUploadList, Access::kRead, {"/team"}},
      {"GET", "/v1/uploads", "", Route::kUploadList, Access::kRead, {"/"}},
      {"GET", "/v1/uploads/" + kRouteUploadId, "", Route::kUploadGet, Access::kWrite, {}, true},
      {"DELETE",
       "/v1/uploads/" + kRouteUploadId,
       "",
       Route::kUploadAbort,
       Access::kWrite,
       {},
       true},
      {"PUT",
       "/v1/uploads/" + kRouteUploadId + "/parts/1",
       "",
       Route::kUploadPart,
       Access::kWrite,
       {},
       true},
      {"POST",
       "/v1/uploads/" + kRouteUploadId + "/commit",
       "",
       Route::kUploadCommit,
       Access::kWrite,
       {},
       true},
  };
}

TEST(AccessTest, EveryRouteAsksForItsAccessAndEveryPath) {
  for (const RouteRow& row : RouteRows()) {
    auto p = ParseRequest(RouteReq(row.method, row.target, row.body), ServerOptions{});
    ASSERT_TRUE(p.ok()) << row.method << " " << row.target << ": " << p.status().ToString();
    ASSERT_EQ(p->route, row.route) << row.method << " " << row.target;
    RouteAccess a = AccessFor(*p, /*metrics_public=*/false);
    std::set<std::string> got(a.request.paths.begin(), a.request.paths.end());
    std::set<std::string> want(row.paths.begin(), row.paths.end());
    EXPECT_EQ(a.request.access, row.access) << row.method << " " << row.target;
    EXPECT_EQ(got, want) << row.method << " " << row.target;
    EXPECT_EQ(a.upload_target, row.upload_target) << row.method << " " << row.target;
  }
}

TEST(AccessTest, EveryRouteHasARow) {
  std::set<Route> covered;
  for (const RouteRow& row : RouteRows()) covered.insert(row.route);
  for (int r = static_cast<int>(Route::kHealthz); r <= static_cast<int>(Route::kUploadCommit);
       ++r) {
    EXPECT_TRUE(covered.count(static_cast<Route>(r))) << "route " << r << " has no row";
  }
}

TEST(AccessTest, MetricsArePublicOnlyWhenAskedFor) {
  auto p = ParseRequest(RouteReq("GET", "/metrics"), ServerOptions{});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(AccessFor(*p, true).request.access, Access::kPublic);
  EXPECT_EQ(AccessFor(*p, false).request.access, Access::kAdmin);
}

// With the principals' rules: a write principal on /team may write inside,
// not rename out of it, and reads nothing outside.
TEST(AccessTest, DecisionsForAPrincipal) {
  Principal team{"team", Role::kWrite, {"/team"}, "", "", ""};
  auto decide = [&](const char* method, const std::string& target, const std::string& body = "") {
    auto p = ParseRequest(RouteReq(method, target, body), ServerOptions{});
    EXPECT_TRUE(p.ok()) << target;
    return Authorize(team, AccessFor(*p, false).request).code();
  };
  EXPECT_EQ(decide("PUT", "/v1/fs/team/a", "x"), Code::kOk);
  EXPECT_EQ(decide("POST", "/v1/fs/team/a?op=rename&to=%2Fteam%2Fb"), Code::kOk);
  EXPECT_EQ(decide("POST", "/v1/fs/team/a?op=rename&to=%2Fother%2Fb"), Code::kForbidden);
  EXPECT_EQ(decide("GET", "/v1/fs/other/a"), Code::kForbidden);
  EXPECT_EQ(decide("GET", "/v1/fs/"), Code::kForbidden);  // the root lists every name
  EXPECT_EQ(decide("GET", "/v1/cluster"), Code::kForbidden);
  EXPECT_EQ(decide("GET", "/healthz"), Code::kOk);
}

}  // namespace
}  // namespace walfs
