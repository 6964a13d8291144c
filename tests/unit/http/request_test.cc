#include "http/request.h"

#include <gtest/gtest.h>

#include "http/util.h"

namespace walfs {
namespace {

HttpRequest Req(std::string method, std::string target, std::string body = "",
                HeaderMap headers = {}) {
  return HttpRequest{
      std::move(method), std::move(target), std::move(headers), std::move(body), {}, {}};
}

Code ErrorOf(const HttpRequest& r) {
  auto p = ParseRequest(r, ServerOptions{});
  return p.ok() ? Code::kOk : p.status().code();
}

TEST(RequestTest, RoutesReadsAndWrites) {
  ServerOptions o;
  auto get = ParseRequest(Req("GET", "/v1/fs/logs/app.log?min_position=5-1&timeout_ms=100"), o);
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->route, Route::kFsRead);
  EXPECT_EQ(get->read.path, "/logs/app.log");
  EXPECT_EQ(*get->barrier.MinPositionFor("root"), (Position{5, 1}));
  EXPECT_FALSE(get->barrier.MinPositionFor("big"));
  // One position per volume, the newest of each.
  auto many = ParseRequest(Req("GET", "/v1/fs/a?min_position=5-1,big:7-0,big:9-0,2-0"), o);
  ASSERT_TRUE(many.ok()) << many.status().ToString();
  EXPECT_EQ(*many->barrier.MinPositionFor("root"), (Position{5, 1}));
  EXPECT_EQ(*many->barrier.MinPositionFor("big"), (Position{9, 0}));
  EXPECT_EQ(ParseRequest(Req("GET", "/v1/fs/a?min_position=5-1,,big:7-0"), o).status().code(),
            Code::kBadRequest);
  EXPECT_EQ(get->barrier.timeout_ms, 100u);

  auto app = ParseRequest(Req("POST", "/v1/fs/logs/app.log?op=append&ack=log", "rec"), o);
  ASSERT_TRUE(app.ok());
  EXPECT_EQ(app->route, Route::kFsWrite);
  EXPECT_TRUE(app->write.ack_log);
  EXPECT_EQ(app->write.entry.ops[0], Op::Append("/logs/app.log", "rec"));

  auto mv = ParseRequest(Req("POST", "/v1/fs/a/?op=rename&to=%2Fb%2Fc&overwrite=true"), o);
  ASSERT_TRUE(mv.ok());
  EXPECT_EQ(mv->write.entry.ops[0], Op::Rename("/a", "/b/c", true));

  auto root = ParseRequest(Req("GET", "/v1/fs/"), o);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->read.path, "/");
}

TEST(RequestTest, RoutesWatchesFollowsAndTheConsole) {
  ServerOptions o;
  auto w = ParseRequest(Req("GET", "/v1/watch?path=/logs/&recursive&from=big:12-0.3"), o);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->route, Route::kWatch);
  EXPECT_EQ(w->watch.path, "/logs");
  EXPECT_TRUE(w->watch.recursive);
  EXPECT_EQ(*w->watch.after_volume, "big");
  EXPECT_EQ(w->watch.after_pos, (Position{12, 0}));
  EXPECT_EQ(*w->watch.after_index, 3u);
  // A reconnecting EventSource's Last-Event-ID wins over the URL's from=.
  auto resumed =
      ParseRequest(Req("GET", "/v1/watch?path=/logs&from=5-0", "", {{"last-event-id", "9-1"}}), o);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(resumed->watch.after_pos, (Position{9, 1}));
  EXPECT_FALSE(resumed->watch.after_index);
  EXPECT_EQ(*resumed->watch.after_volume, "root");
  auto now = ParseRequest(Req("GET", "/v1/watch?path=/"), o);
  ASSERT_TRUE(now.ok());
  EXPECT_FALSE(now->watch.after_volume);  // from now
  EXPECT_EQ(ErrorOf(Req("GET", "/v1/watch")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("GET", "/v1/watch?path=/a&from=x")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("GET", "/v1/watch?path=/a&from=5-0.x")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("GET", "/v1/watch?path=/a&from=5-0.99999999999")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("GET", "/v1/watch?path=../x")), Code::kInvalidPath);
  EXPECT_EQ(ErrorOf(Req("DELETE", "/v1/watch?path=/a")), Code::kMethodNotAllowed);
  EXPECT_EQ(RouteLabel("GET", "/v1/watch?path=/"), "watch");
  auto subject = SubjectOf("GET", "/v1/watch?path=/big/x&recursive");
  EXPECT_EQ(subject.kind, RequestSubject::Kind::kPath);
  EXPECT_EQ(subject.value, "/big/x");
  auto follow = ParseRequest(Req("GET", "/v1/fs/a.log?follow&offset=7"), o);
  ASSERT_TRUE(follow.ok());
  EXPECT_TRUE(follow->read.follow);
  EXPECT_EQ(*follow->read.offset, 7u);
  auto ui = ParseRequest(Req("GET", "/ui/app.js"), o);
  ASSERT_TRUE(ui.ok());
  EXPECT_EQ(ui->route, Route::kConsole);
  EXPECT_EQ(ui->console_asset, "app.js");
  EXPECT_EQ(ParseRequest(Req("GET", "/ui"), o)->console_asset, "");
  EXPECT_EQ(ErrorOf(Req("POST", "/ui/")), Code::kMethodNotAllowed);
}

TEST(RequestTest, RoutesUploads) {
  ServerOptions o;
  const std::string id = "0123456789abcdef0123456789abcdef";
  auto create = ParseRequest(Req("POST", "/v1/uploads", R"({"path":"/a/../b"})"), o);
  EXPECT_EQ(create.status().code(), Code::kInvalidPath);
  create = ParseRequest(Req("POST", "/v1/uploads", R"({"path":"/w","op":"write","offset":7})"), o);
  ASSERT_TRUE(create.ok()) << create.status().ToString();
  EXPECT_EQ(create->route, Route::kUploadCreate);
  EXPECT_EQ(create->upload.target, OpType::kWrite);
  EXPECT_EQ(create->upload.offset, 7u);
  for (const char* bad :
       {"", "[]", R"({"path":3})", R"({"path":"rel"})", R"({"path":"/a","op":"move"})",
        R"({"path":"/a","op":"write"})", R"({"path":"/a","offset":-1})"}) {
    EXPECT_EQ(ParseRequest(Req("POST", "/v1/uploads", bad), o).status().code(), Code::kBadRequest)
        << bad;
  }
  auto list = ParseRequest(Req("GET", "/v1/uploads?path=/logs/"), o);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->route, Route::kUploadList);
  EXPECT_EQ(list->upload.path, "/logs");
  EXPECT_EQ(ParseRequest(Req("GET", "/v1/uploads/" + id), o)->route, Route::kUploadGet);
  EXPECT_EQ(ParseRequest(Req("DELETE", "/v1/uploads/" + id), o)->route, Route::kUploadAbort);
  auto part = ParseRequest(Req("PUT", "/v1/uploads/" + id + "/parts/10000"), o);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->upload.part, 10000u);
  for (const char* n : {"0", "10001", "x", "-1"}) {
    EXPECT_EQ(ParseRequest(Req("PUT", "/v1/uploads/" + id + "/parts/" + n), o).status().code(),
              Code::kBadRequest);
  }
  auto commit = ParseRequest(
      Req("POST", "/v1/uploads/" + id + "/commit", R"({"parts":[3,1]})", {{"if-match", "\"1-0\""}}),
      o);
  ASSERT_TRUE(commit.ok());
  EXPECT_EQ(commit->upload.parts, (std::vector<uint32_t>{3, 1}));
  EXPECT_TRUE(commit->upload.has_conditions);
  for (const char* bad : {R"({"parts":[]})", R"({"parts":[0]})", R"({"parts":"1"})", "nope"}) {
    EXPECT_EQ(ParseRequest(Req("POST", "/v1/uploads/" + id + "/commit", bad), o).status().code(),
              Code::kBadRequest)
        << bad;
  }
  // Methods and shapes that are no endpoint.
  EXPECT_EQ(ParseRequest(Req("PUT", "/v1/uploads/" + id), o).status().code(),
            Code::kMethodNotAllowed);
  EXPECT_EQ(AllowedMethods("/v1/uploads/" + id + "/commit"), "POST");
  EXPECT_EQ(ParseRequest(Req("GET", "/v1/uploads/" + id + "/other"), o).status().code(),
            Code::kNotFound);
  EXPECT_EQ(ParseRequest(Req("GET", "/v1/uploads/" + id + "/parts/1/x"), o).status().code(),
            Code::kNotFound);
}

TEST(RequestTest, WhichBodiesAreStreamed) {
  ServerOptions o;
  o.entry_bytes_max = 1000;
  const std::string part = "/v1/uploads/0123456789abcdef0123456789abcdef/parts/1";
  EXPECT_TRUE(StreamsBody("PUT", part, 10, o));  // a part always
  EXPECT_FALSE(StreamsBody("PUT", "/v1/fs/a", 1000, o));
  EXPECT_TRUE(StreamsBody("PUT", "/v1/fs/a", 1001, o));
  EXPECT_TRUE(StreamsBody("PUT", "/v1/fs/a", std::nullopt, o));  // chunked
  EXPECT_TRUE(StreamsBody("POST", "/v1/fs/a?op=append", std::nullopt, o));
  EXPECT_TRUE(StreamsBody("POST", "/v1/fs/a?op=write&offset=3", 5000, o));
  EXPECT_FALSE(StreamsBody("POST", "/v1/fs/a?op=truncate&size=3", 5000, o));
  EXPECT_FALSE(StreamsBody("POST", "/v1/tx", 5000, o));
  EXPECT_FALSE(StreamsBody("DELETE", "/v1/fs/a", std::nullopt, o));
}

TEST(RequestTest, ConditionsFromHeaders) {
  auto p = ParseRequest(
      Req("PUT", "/v1/fs/f", "x",
          {{"if-match", "\"7-2\""}, {"x-walfs-if-size", "3"}, {"idempotency-key", "abc-1"}}),
      ServerOptions{});
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->write.entry.conditions.size(), 2u);
  EXPECT_EQ(p->write.entry.conditions[0], Condition::Version("/f", {7, 2}));
  EXPECT_EQ(p->write.entry.conditions[1], Condition::Size("/f", 3));
  EXPECT_EQ(p->write.entry.idempotency_key, "abc-1");
  auto inm = ParseRequest(Req("PUT", "/v1/fs/f", "x", {{"if-none-match", "*"}}), ServerOptions{});
  EXPECT_EQ(inm->write.entry.conditions[0], Condition::Exists("/f", false));
}

TEST(RequestTest, BadInputIsRejectedBeforeTheLog) {
  EXPECT_EQ(ErrorOf(Req("GET", "/v1/fs/a/%2e%2e/b")), Code::kInvalidPath);
  EXPECT_EQ(ErrorOf(Req("PUT", "/v1/fs/a//b")), Code::kInvalidPath);
  EXPECT_EQ(ErrorOf(Req("PUT", "/v1/fs/a%00b")), Code::kInvalidPath);
  EXPECT_EQ(ErrorOf(Req("PUT", "/v1/fs/bad%ff")), Code::kInvalidPath);
  EXPECT_EQ(ErrorOf(Req("PUT", "/v1/fs/a%zz")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("POST", "/v1/fs/a?op=explode")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("POST", "/v1/fs/a")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("POST", "/v1/fs/a?op=write")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("POST", "/v1/fs/a?op=truncate&size=-1")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("POST", "/v1/fs/a?op=rename")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("POST", "/v1/fs/a?op=rename&to=/x/../y")), Code::kInvalidPath);
  EXPECT_EQ(ErrorOf(Req("POST", "/v1/fs/a?op=append&ack=maybe")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("PUT", "/v1/fs/a", "", {{"if-match", "7-2"}})), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("PUT", "/v1/fs/a", "", {{"if-none-match", "\"1-1\""}})), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("PUT", "/v1/fs/a", "", {{"idempotency-key", "has space"}})),
            Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("PUT", "/v1/fs/a", "", {{"idempotency-key", std::string(129, 'k')}})),
            Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("GET", "/v1/fs/a?min_position=yesterday")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("GET", "/v1/fs/a?list&limit=0")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("GET", "/v1/fs/a?list&limit=10001")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("GET", "/v2/nothing")), Code::kNotFound);
}

// PUT ?op=append replaced the file and DELETE ?op=append deleted it: an op
// the method does not take is refused, so nothing reaches the log.
TEST(RequestTest, AnOpTheMethodDoesNotTakeIsRefused) {
  for (const char* m : {"PUT", "DELETE", "GET", "HEAD"}) {
    EXPECT_EQ(ErrorOf(Req(m, "/v1/fs/a?op=append", "x")), Code::kBadRequest) << m;
    EXPECT_EQ(ErrorOf(Req(m, "/v1/fs/a?op=mkdir")), Code::kBadRequest) << m;
  }
  EXPECT_EQ(ErrorOf(Req("POST", "/v1/fs/a?op=append", "x")), Code::kOk);
}

TEST(RequestTest, WrongMethodsAre405WithWhatIsAllowed) {
  EXPECT_EQ(ErrorOf(Req("PATCH", "/v1/fs/a")), Code::kMethodNotAllowed);
  EXPECT_EQ(ErrorOf(Req("GET", "/v1/tx")), Code::kMethodNotAllowed);
  EXPECT_EQ(ErrorOf(Req("POST", "/healthz")), Code::kMethodNotAllowed);
  EXPECT_EQ(ErrorOf(Req("DELETE", "/v1/cluster")), Code::kMethodNotAllowed);
  EXPECT_EQ(ErrorOf(Req("PUT", "/v1/admin/snapshots")), Code::kMethodNotAllowed);
  EXPECT_EQ(AllowedMethods("/v1/tx"), "POST");
  EXPECT_EQ(AllowedMethods("/v1/fs/x"), "GET, HEAD, PUT, POST, DELETE");
  EXPECT_EQ(AllowedMethods("/readyz"), "GET, HEAD");
  EXPECT_TRUE(MethodAllowed("DELETE", AllowedMethods("/v1/fs/x")));
  EXPECT_FALSE(MethodAllowed("PATCH", AllowedMethods("/v1/fs/x")));
  EXPECT_FALSE(MethodAllowed("GE", AllowedMethods("/v1/fs/x")));
  EXPECT_EQ(HttpStatusFor(Code::kMethodNotAllowed), 405);
  EXPECT_EQ(HttpStatusFor(Code::kUnauthorized), 401);
  EXPECT_EQ(HttpStatusFor(Code::kForbidden), 403);
  EXPECT_EQ(HttpStatusFor(Code::kTooManyRequests), 429);
  EXPECT_EQ(CodeName(Code::kUnauthorized), "unauthorized");
  EXPECT_EQ(CodeName(Code::kForbidden), "forbidden");
}

TEST(RequestTest, AnEmptyIdempotencyKeyIsRefused) {
  EXPECT_EQ(ErrorOf(Req("PUT", "/v1/fs/a", "", {{"idempotency-key", ""}})), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("PUT", "/v1/fs/a", "", {{"idempotency-key", "k1"}})), Code::kOk);
}

TEST(RequestTest, RenameTargetsMustBeAbsolute) {
  EXPECT_EQ(ErrorOf(Req("POST", "/v1/fs/a?op=rename&to=b")), Code::kBadRequest);
  EXPECT_EQ(ErrorOf(Req("POST", "/v1/fs/a?op=rename&to=/b")), Code::kOk);
}

// If-Match on a write: a list of ETags, compared strongly at apply time.
TEST(RequestTest, IfMatchTakesAListAndWeakTagsNeverMatch) {
  ServerOptions o;
  auto one = ParseRequest(Req("PUT", "/v1/fs/a", "", {{"if-match", "\"5-1\""}}), o);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->write.entry.conditions[0], Condition::Version("/a", {5, 1}));
  auto list =
      ParseRequest(Req("PUT", "/v1/fs/a", "", {{"if-match", "\"5-1\", W/\"6-0\",\"7-2\""}}), o);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->write.entry.conditions[0], Condition::VersionIn("/a", {{5, 1}, {7, 2}}));
  // Only weak tags (or tags that are no version): a condition no file meets.
  auto weak = ParseRequest(Req("PUT", "/v1/fs/a", "", {{"if-match", "W/\"5-1\""}}), o);
  ASSERT_TRUE(weak.ok());
  EXPECT_EQ(weak->write.entry.conditions[0], Condition::Version("/a", Position{}));
  EXPECT_EQ(ErrorOf(Req("PUT", "/v1/fs/a", "", {{"if-match", "\"5-1\" junk"}})), Code::kBadRequest);
}

TEST(RequestTest, ReadsKeepConditionalHeaders) {
  auto r = ParseRequest(
      Req("GET", "/v1/fs/a", "", {{"if-none-match", "\"1-0\""}, {"if-range", "\"2-0\""}}),
      ServerOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->read.if_none_match, "\"1-0\"");
  EXPECT_EQ(*r->read.if_range, "\"2-0\"");
  EXPECT_FALSE(r->read.if_modified_since.has_value());
}

TEST(TransactionTest, ParsesTheContractExample) {
  std::string body = R"({"idempotency_key": "tx-1",
    "conditions": [{"path": "/a", "version": "5-1"}, {"path": "/b", "exists": false},
                   {"path": "/c", "size": 10}],
    "ops": [{"op": "put", "path": "/a", "data": "aGk="},
            {"op": "append", "path": "/c", "data": ""},
            {"op": "write", "path": "/d", "offset": 5, "data": "eA=="},
            {"op": "truncate", "path": "/d", "size": 3},
            {"op": "rename", "path": "/e", "to": "/f", "overwrite": false},
            {"op": "delete", "path": "/g", "recursive": false},
            {"op": "mkdir", "path": "/h"}]})";
  auto e = ParseTransaction(body);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->idempotency_key, "tx-1");
  EXPECT_EQ(e->conditions[0], Condition::Version("/a", {5, 1}));
  EXPECT_EQ(e->ops[0], Op::Put("/a", "hi"));
  EXPECT_EQ(e->ops[2], Op::Write("/d", 5, "x"));
  EXPECT_EQ(e->ops[6], Op::Mkdir("/h"));
}

TEST(RequestTest, SetAttrAndSymlinkFromTheQuery) {
  ServerOptions o;
  auto set = ParseRequest(
      Req("POST", "/v1/fs/a?op=setattr&mode=04755&uid=1000&gid=0&atime_ms=5&mtime_ms=6"), o);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->write.entry.ops[0], Op::SetAttr("/a", AttrChange{04755, 1000, 0, 5, 6}));
  auto some = ParseRequest(Req("POST", "/v1/fs/a?op=setattr&mode=600"), o);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->write.entry.ops[0], Op::SetAttr("/a", AttrChange{0600, {}, {}, {}, {}}));
  auto link = ParseRequest(Req("POST", "/v1/fs/l?op=symlink&target=..%2Fx%20y"), o);
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(link->write.entry.ops[0], Op::Symlink("/l", "../x y"));
  for (const char* bad :
       {"/v1/fs/a?op=setattr", "/v1/fs/a?op=setattr&mode=10000", "/v1/fs/a?op=setattr&mode=0x1",
        "/v1/fs/a?op=setattr&mode=", "/v1/fs/a?op=setattr&uid=-1",
        "/v1/fs/a?op=setattr&uid=4294967295", "/v1/fs/a?op=setattr&gid=99999999999",
        "/v1/fs/a?op=setattr&mtime_ms=253402300800000", "/v1/fs/a?op=symlink"}) {
    EXPECT_EQ(ErrorOf(Req("POST", bad)), Code::kBadRequest) << bad;
  }
}

TEST(TransactionTest, SetAttrAndSymlinkOps) {
  auto e = ParseTransaction(R"({"ops": [{"op": "put", "path": "/f", "data": ""},
      {"op": "setattr", "path": "/f", "mode": "0600", "uid": 7, "mtime_ms": 9},
      {"op": "symlink", "path": "/l", "target": "f"}]})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  AttrChange a;
  a.mode = 0600;
  a.uid = 7;
  a.mtime_ms = 9;
  EXPECT_EQ(e->ops[1], Op::SetAttr("/f", a));
  EXPECT_EQ(e->ops[2], Op::Symlink("/l", "f"));
  for (const char* body : {R"({"ops": [{"op": "setattr", "path": "/f"}]})",
                           R"({"ops": [{"op": "setattr", "path": "/f", "mode": 384}]})",
                           R"({"ops": [{"op": "setattr", "path": "/f", "uid": "7"}]})",
                           R"({"ops": [{"op": "setattr", "path": "/f", "owner": 7}]})",
                           R"({"ops": [{"op": "symlink", "path": "/l"}]})",
                           R"({"ops": [{"op": "symlink", "path": "/l", "target": 5}]})"}) {
    EXPECT_FALSE(ParseTransaction(body).ok()) << body;
  }
}

TEST(TransactionTest, RejectsMalformedBodies) {
  for (
      const char* body :
      {"", "[]", "{", "{\"ops\": []}", "{\"ops\": [{\"op\": \"nuke\", \"path\": \"/a\"}]}",
       "{\"ops\": [{\"op\": \"put\", \"path\": \"/a\", \"data\": \"not base64!\"}]}",
       "{\"ops\": [{\"op\": \"put\", \"path\": \"/a/../b\"}]}",
       "{\"ops\": [{\"op\": \"write\", \"path\": \"/a\", \"offset\": -1}]}",
       "{\"ops\": [{\"op\": \"rename\", \"path\": \"/a\"}]}",
       "{\"ops\": [{\"op\": \"put\", \"path\": 7}]}",
       "{\"conditions\": [{\"path\": \"/a\"}], \"ops\": [{\"op\": \"mkdir\", \"path\": \"/h\"}]}",
       "{\"conditions\": [{\"path\": \"/a\", \"size\": 1, \"exists\": true}], \"ops\": [{\"op\": "
       "\"mkdir\", \"path\": \"/h\"}]}",
       // Unknown fields (a typo must not silently change the meaning).
       R"({"ops": [{"op": "rename", "path": "/a", "to": "/b", "overwite": true}]})",
       R"({"ops": [{"op": "mkdir", "path": "/a"}], "idempotencykey": "k"})",
       R"({"conditions": [{"path": "/a", "exists": true, "sise": 1}], "ops": [{"op": "mkdir", "path": "/h"}]})",
       R"({"ops": [{"op": "mkdir", "path": "/a", "data": "eA=="}]})",
       // Relative paths.
       R"({"ops": [{"op": "put", "path": "a", "data": ""}]})",
       R"({"ops": [{"op": "rename", "path": "/a", "to": "b"}]})",
       R"({"conditions": [{"path": "a", "exists": true}], "ops": [{"op": "mkdir", "path": "/h"}]})"}) {
    auto e = ParseTransaction(body);
    EXPECT_FALSE(e.ok()) << body;
  }
}

}  // namespace
}  // namespace walfs
