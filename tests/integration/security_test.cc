// Authentication, authorisation and TLS with real processes (api-v1.md,
// "Authentication and TLS"): every route for every role, inside and outside
// its prefixes, with bearer tokens and with SigV4 signed by botocore;
// presigned URLs that expire; a signed request replayed with another body;
// TLS with a test CA (curl and the CLI); SIGHUP reloads of the principals
// and of the certificate; the refusal to listen beyond loopback without
// --auth; the limits per client address and per connection.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>

#include "auth/crypto.h"
#include "auth/sigv4.h"
#include "core/hash.h"
#include "integration/harness.h"

namespace walfs::testing {
namespace {

using namespace std::chrono_literals;

struct Who {
  std::string name;  // empty: no credentials
  std::string role;  // read, write, admin
  std::string prefix;
  std::string token, access_key, secret_key;
};

const Who kNobody{"", "", "", "", "", ""};
const Who kReader{
    "reader", "read", "/team", "walfs_reader_token", "AKIDREADER", "reader-secret-0123456789"};
const Who kWriter{
    "writer", "write", "/team", "walfs_writer_token", "AKIDWRITER", "writer-secret-0123456789"};
const Who kAdmin{
    "admin", "admin", "/", "walfs_admin_token", "AKIDADMIN", "admin-secret-01234567890"};

json PrincipalJson(const Who& w) {
  return {{"name", w.name},
          {"role", w.role},
          {"prefixes", {w.prefix}},
          {"token_sha256", ToHex(Sha256(w.token))},
          {"s3_access_key", w.access_key},
          {"s3_secret_key", w.secret_key}};
}

void WriteAuthFile(const std::string& path, const std::vector<Who>& who) {
  json p = json::array();
  for (const auto& w : who) p.push_back(PrincipalJson(w));
  std::ofstream(path) << json{{"principals", p}}.dump(2);
}

std::map<std::string, std::string> Bearer(const Who& w) {
  if (w.token.empty()) return {};
  return {{"Authorization", "Bearer " + w.token}};
}

enum class Need { kPublic, kRead, kWrite, kAdmin };

// One route of the table. {in} and {out} in the target stand for an open
// upload whose target is inside /team and one outside it.
struct Row {
  std::string method, target, body;
  Need need;
  bool inside;  // every path it names is under /team
};

std::string Tx(const std::string& op_path, const std::string& cond_path) {
  json j = {{"ops", {{{"op", "append"}, {"path", op_path}, {"data", "eA=="}}}}};
  if (!cond_path.empty()) j["conditions"] = {{{"path", cond_path}, {"exists", true}}};
  return j.dump();
}

std::vector<Row> Table() {
  return {
      {"GET", "/healthz", "", Need::kPublic, true},
      {"GET", "/readyz", "", Need::kPublic, true},
      {"GET", "/metrics", "", Need::kAdmin, true},
      {"GET", "/v1/cluster", "", Need::kAdmin, true},
      {"GET", "/v1/admin/snapshots", "", Need::kAdmin, true},
      {"GET", "/v1/fs/team/f", "", Need::kRead, true},
      {"GET", "/v1/fs/other/f", "", Need::kRead, false},
      {"HEAD", "/v1/fs/team/f", "", Need::kRead, true},
      {"HEAD", "/v1/fs/other/f", "", Need::kRead, false},
      {"GET", "/v1/fs/team/f?stat", "", Need::kRead, true},
      {"GET", "/v1/fs/other/f?stat", "", Need::kRead, false},
      {"GET", "/v1/fs/team", "", Need::kRead, true},
      {"GET", "/v1/fs/", "", Need::kRead, false},
      {"GET", "/v1/uploads?path=/team", "", Need::kRead, true},
      {"GET", "/v1/uploads?path=/other", "", Need::kRead, false},
      {"GET", "/v1/uploads", "", Need::kRead, false},
      {"PUT", "/v1/fs/team/p", "put", Need::kWrite, true},
      {"PUT", "/v1/fs/other/p", "put", Need::kWrite, false},
      {"POST", "/v1/fs/team/f?op=append", "a\n", Need::kWrite, true},
      {"POST", "/v1/fs/other/f?op=append", "a\n", Need::kWrite, false},
      {"POST", "/v1/fs/team/f?op=write&offset=0", "w", Need::kWrite, true},
      {"POST", "/v1/fs/other/f?op=write&offset=0", "w", Need::kWrite, false},
      {"POST", "/v1/fs/team/d?op=mkdir", "", Need::kWrite, true},
      {"POST", "/v1/fs/other/d?op=mkdir", "", Need::kWrite, false},
      {"POST", "/v1/fs/team/p?op=rename&to=/team/q", "", Need::kWrite, true},
      {"POST", "/v1/fs/team/q?op=rename&to=/other/q", "", Need::kWrite, false},
      {"POST", "/v1/fs/other/f?op=rename&to=/team/r", "", Need::kWrite, false},
      {"DELETE", "/v1/fs/team/q", "", Need::kWrite, true},
      {"DELETE", "/v1/fs/other/f2", "", Need::kWrite, false},
      {"POST", "/v1/tx", Tx("/team/t", ""), Need::kWrite, true},
      {"POST", "/v1/tx", Tx("/other/t", ""), Need::kWrite, false},
      {"POST", "/v1/tx", Tx("/team/t", "/other/f"), Need::kWrite, false},
      {"POST", "/v1/uploads", R"({"path":"/team/u"})", Need::kWrite, true},
      {"POST", "/v1/uploads", R"({"path":"/other/u"})", Need::kWrite, false},
      {"GET", "/v1/uploads/{in}", "", Need::kWrite, true},
      {"GET", "/v1/uploads/{out}", "", Need::kWrite, false},
      {"PUT", "/v1/uploads/{in}/parts/1", "part", Need::kWrite, true},
      {"PUT", "/v1/uploads/{out}/parts/1", "part", Need::kWrite, false},
      {"POST", "/v1/uploads/{in}/commit", "", Need::kWrite, true},
      {"POST", "/v1/uploads/{out}/commit", "", Need::kWrite, false},
      {"DELETE", "/v1/uploads/{in}", "", Need::kWrite, true},
      {"DELETE", "/v1/uploads/{out}", "", Need::kWrite, false},
  };
}

// What the contract says a principal gets: 0 for "allowed" (any answer
// but 401 and 403), else 401 or 403.
int Expected(const Who& w, const Row& r) {
  if (r.need == Need::kPublic) return 0;
  if (w.name.empty()) return 401;
  bool role_ok = r.need == Need::kRead || (r.need == Need::kWrite && w.role != "read") ||
                 (r.need == Need::kAdmin && w.role == "admin");
  if (!role_ok) return 403;
  return r.inside || w.prefix == "/" ? 0 : 403;
}

// The target with the ids of the uploads put in.
std::string Fill(std::string target, const std::map<std::string, std::string>& ids) {
  for (const auto& [k, v] : ids) {
    auto at = target.find(k);
    if (at != std::string::npos) target.replace(at, k.size(), v);
  }
  return target;
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth_ = dir_.path() + "/auth.json";
    WriteAuthFile(auth_, {kReader, kWriter, kAdmin});
    node_ = std::make_unique<ServeProcess>(
        dir_.path() + "/data", "local", "solo",
        std::vector<std::string>{"--auth", auth_, "--max-auth-failures-per-minute", "10000",
                                 "--max-entry-bytes", "65536"});
    node_->Start();
    ASSERT_TRUE(WaitFor([&] { return StatusOf("GET", "/readyz", kNobody) == 200; }, 20s));
  }

  int StatusOf(const std::string& method, const std::string& target, const Who& w,
               const std::string& body = "") {
    HttpClient c(node_->url());
    auto r = c.Request(method, target, body, Bearer(w));
    return r.ok() ? r->status : -1;
  }

  // Files and uploads the table's rows act on, made by the admin: fresh
  // uploads {in} and {out} each time.
  std::map<std::string, std::string> Prepare() {
    HttpClient c(node_->url());
    for (const char* p : {"/v1/fs/team/f", "/v1/fs/other/f", "/v1/fs/other/f2"}) {
      EXPECT_LT(c.Request("PUT", p, "data", Bearer(kAdmin))->status, 300);
    }
    std::map<std::string, std::string> ids;
    for (const auto& [name, path] : {std::pair{"{in}", "/team/up"}, {"{out}", "/other/up"}}) {
      auto r = c.Request("POST", "/v1/uploads", json{{"path", path}}.dump(), Bearer(kAdmin));
      EXPECT_EQ(r->status, 201) << r->body;
      ids[name] = Json(*r)["upload_id"];
    }
    return ids;
  }

  TempDir dir_;
  std::string auth_;
  std::unique_ptr<ServeProcess> node_;
};

void CheckAnswer(int expected, int got, const std::string& what) {
  if (expected == 0) {
    EXPECT_TRUE(got != 401 && got != 403 && got > 0) << what << ": got " << got;
  } else {
    EXPECT_EQ(got, expected) << what;
  }
}

TEST_F(AuthTest, EveryRouteForEveryRoleWithBearerTokens) {
  for (const Who& w : {kNobody, kReader, kWriter, kAdmin}) {
    auto ids = Prepare();
    for (const Row& r : Table()) {
      std::string target = Fill(r.target, ids);
      CheckAnswer(Expected(w, r), StatusOf(r.method, target, w, r.body),
                  (w.name.empty() ? "nobody" : w.name) + " " + r.method + " " + target);
    }
  }
  // What was allowed happened: the writer's and the admin's appends.
  HttpClient c(node_->url());
  auto f = c.Request("GET", "/v1/fs/team/f", "", Bearer(kReader));
  EXPECT_EQ(f->status, 200);
  EXPECT_NE(f->body.find("a\n"), std::string::npos) << f->body;
  // 401s say how to authenticate; errors never show a secret.
  auto none = c.Request("GET", "/v1/fs/team/f");
  EXPECT_EQ(none->header("www-authenticate"), "Bearer");
  EXPECT_EQ(Json(*none)["error"], "unauthorized");
  auto bad = c.Request("GET", "/v1/fs/team/f", "", {{"Authorization", "Bearer walfs_nope"}});
  EXPECT_EQ(bad->status, 401);
  EXPECT_EQ(bad->body.find("walfs_nope"), std::string::npos);
  EXPECT_EQ(Json(*c.Request("GET", "/v1/fs/other/f", "", Bearer(kWriter)))["error"], "forbidden");
}

// Requests for botocore to sign, one per row, as w (a wrong secret when
// bad_secret).
json SignedRequests(const Who& w, const std::vector<Row>& rows,
                    const std::map<std::string, std::string>& ids, bool bad_secret = false) {
  json out = json::array();
  for (const Row& r : rows) {
    out.push_back({{"method", r.method},
                   {"target", Fill(r.target, ids)},
                   {"body", r.body},
                   {"access_key", w.access_key},
                   {"secret_key", bad_secret ? "not-the-secret-0123456789" : w.secret_key}});
  }
  return out;
}

// Runs tests/integration/sigv4_client.py: botocore signs and sends each
// request; the answers' [status, body] come back.
json SendSigned(const std::string& url, const json& requests, const std::string& dir) {
  std::string in = dir + "/requests.json";
  std::ofstream(in) << requests.dump();
  auto [rc, out] = Shell("/usr/bin/python3 " + std::string(WALFS_SOURCE_DIR) +
                         "/tests/integration/sigv4_client.py " + url + " < " + in + " 2>&1");
  EXPECT_EQ(rc, 0) << out;
  json j = json::parse(out, nullptr, false);
  EXPECT_TRUE(j.is_array() && j.size() == requests.size()) << out.substr(0, 2000);
  return j.is_array() ? j : json::array();
}

TEST_F(AuthTest, EveryRouteForEveryRoleWithSigV4SignedByBotocore) {
  const auto rows = Table();
  for (const Who& w : {kReader, kWriter, kAdmin}) {
    auto ids = Prepare();
    json answers = SendSigned(node_->url(), SignedRequests(w, rows, ids), dir_.path());
    for (size_t i = 0; i < answers.size(); ++i) {
      CheckAnswer(Expected(w, rows[i]), answers[i][0].get<int>(),
                  w.name + " " + rows[i].method + " " + rows[i].target + ": " +
                      answers[i][1].get<std::string>());
    }
  }
  // A wrong secret and an unknown key: 401 on every route but the probes.
  auto ids = Prepare();
  Who unknown = kWriter;
  unknown.access_key = "AKIDNOBODY";
  for (const json& requests :
       {SignedRequests(kWriter, rows, ids, true), SignedRequests(unknown, rows, ids)}) {
    json answers = SendSigned(node_->url(), requests, dir_.path());
    for (size_t i = 0; i < answers.size(); ++i) {
      CheckAnswer(rows[i].need == Need::kPublic ? 0 : 401, answers[i][0].get<int>(),
                  requests[i]["access_key"].get<std::string>() + " " + rows[i].method + " " +
                      rows[i].target);
    }
  }
}

TEST_F(AuthTest, PresignedUrlsWorkUntilTheyExpire) {
  Prepare();
  json req = {{"method", "GET"},
              {"target", "/v1/fs/team/f"},
              {"access_key", kReader.access_key},
              {"secret_key", kReader.secret_key},
              {"mode", "presign"},
              {"expires", 3600}};
  json answers = SendSigned(node_->url(), json::array({req}), dir_.path());
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0][0], 200) << answers[0][1];
  EXPECT_EQ(answers[0][1], "data");
  // One that lives a second, signed now and sent until it is refused.
  req["expires"] = 1;
  req["url_only"] = true;
  json signed_url = SendSigned(node_->url(), json::array({req}), dir_.path());
  ASSERT_EQ(signed_url.size(), 1u);
  const std::string target = signed_url[0][1];
  HttpClient c(node_->url());
  Result<ClientResponse> last = Status(Code::kIoError, "not sent");
  EXPECT_TRUE(WaitFor(
      [&] {
        last = c.Request("GET", target);
        return last.ok() && last->status == 401;
      },
      15s));
  ASSERT_TRUE(last.ok());
  EXPECT_NE(last->body.find("expired"), std::string::npos) << last->body;
  // Its signature no longer opens anything, but the other URL's still does.
  EXPECT_EQ(c.Request("GET", target)->status, 401);
}

TEST_F(AuthTest, ASignedRequestReplayedWithAnotherBodyWritesNothing) {
  Prepare();
  // Small (one entry) and large (streamed in chunks through an upload).
  for (const std::string& body : {std::string("signed body"), std::string(300 << 10, 's')}) {
    json req = {{"method", "PUT"},
                {"target", "/v1/fs/team/replayed"},
                {"body", body},
                {"send_body", std::string(body.size(), 'X')},
                {"access_key", kWriter.access_key},
                {"secret_key", kWriter.secret_key}};
    json answers = SendSigned(node_->url(), json::array({req}), dir_.path());
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0][0], 401) << answers[0][1];
    EXPECT_NE(answers[0][1].get<std::string>().find("does not match its signed hash"),
              std::string::npos);
    EXPECT_EQ(StatusOf("GET", "/v1/fs/team/replayed", kWriter), 404);
    // The same request with the body it signed is written.
    req.erase("send_body");
    answers = SendSigned(node_->url(), json::array({req}), dir_.path());
    EXPECT_EQ(answers[0][0], 201) << answers[0][1];
    HttpClient c(node_->url());
    EXPECT_EQ(c.Request("GET", "/v1/fs/team/replayed", "", Bearer(kWriter))->body, body);
    EXPECT_EQ(c.Request("DELETE", "/v1/fs/team/replayed", "", Bearer(kWriter))->status, 200);
  }
  // The refused large write's upload is aborted: none is left open.
  HttpClient c(node_->url());
  std::string listed;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto u = c.Request("GET", "/v1/uploads?path=/team/replayed", "", Bearer(kWriter));
        listed = u->body;
        return Json(*u)["uploads"].empty();
      },
      10s))
      << listed;
}

// An aws-chunked body (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), each chunk
// signed in the chain from the request's signature: decoded and stored,
// whole or streamed; a chunk changed on the way writes nothing.
std::string ChunkedBody(const std::string& data, size_t chunk, const std::string& seed,
                        const std::string& key, const std::string& date, const std::string& scope) {
  std::string out, previous = seed;
  for (size_t at = 0;; at += chunk) {
    std::string piece = data.substr(std::min(at, data.size()), chunk);
    std::string sig =
        HexHmac(key, "AWS4-HMAC-SHA256-PAYLOAD\n" + date + "\n" + scope + "\n" + previous + "\n" +
                         ToHex(Sha256("")) + "\n" + ToHex(Sha256(piece)));
    char size[32];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    out += std::string(size) + ";chunk-signature=" + sig + "\r\n" + piece + "\r\n";
    previous = sig;
    if (piece.empty()) return out;
  }
}

TEST_F(AuthTest, AwsChunkedBodiesAreDecodedAndEveryChunkChecked) {
  HttpClient c(node_->url());
  for (size_t size : {size_t{1000}, size_t{200} << 10}) {
    std::string data(size, 'c');
    for (size_t i = 0; i < size; i += 97) data[i] = static_cast<char>('a' + i % 26);
    SigV4Credential scope;
    scope.access_key = kWriter.access_key;
    scope.region = "us-east-1";
    scope.service = "s3";
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    const std::string target = "/v1/fs/team/chunked";
    SigV4Headers signed_headers =
        SignSigV4("PUT", target, "127.0.0.1:" + std::to_string(node_->port()),
                  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", scope, kWriter.secret_key, now);
    const std::string auth = signed_headers["authorization"];
    const std::string seed = auth.substr(auth.find("Signature=") + 10);
    const std::string date = signed_headers["x-amz-date"];
    scope.date = date.substr(0, 8);
    const std::string key = SigV4SigningKey(kWriter.secret_key, scope);
    std::map<std::string, std::string> headers(signed_headers.begin(), signed_headers.end());
    headers["content-encoding"] = "aws-chunked";
    headers["x-amz-decoded-content-length"] = std::to_string(size);
    std::string body = ChunkedBody(data, 64 << 10, seed, key, date, scope.scope());
    // A byte of the data changed after signing: refused, nothing written.
    std::string forged = body;
    forged[forged.size() / 2] ^= 1;
    auto refused = c.Request("PUT", target, forged, headers);
    ASSERT_TRUE(refused.ok());
    EXPECT_EQ(refused->status, 401) << refused->body;
    EXPECT_EQ(StatusOf("GET", target, kWriter), 404);
    auto r = c.Request("PUT", target, body, headers);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 201) << size << ": " << r->body;
    EXPECT_EQ(c.Request("GET", target, "", Bearer(kWriter))->body, data);
    EXPECT_EQ(c.Request("DELETE", target, "", Bearer(kWriter))->status, 200);
  }
}

// Debian's aws cli signs requests the server accepts: a GET in the header
// form, a presigned URL, and a PUT whose signed body is stored. (The bucket
// "v1" and key "fs/..." make the path /v1/fs/...; the PUT's answer is this
// API's JSON, which the aws cli cannot read as S3's XML: what counts is
// that the write was accepted.)
TEST_F(AuthTest, TheAwsCliSignsRequestsTheServerAccepts) {
  Prepare();
  const std::string env = "AWS_ACCESS_KEY_ID=" + kWriter.access_key +
                          " AWS_SECRET_ACCESS_KEY=" + kWriter.secret_key +
                          " AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=" + dir_.path() +
                          "/none AWS_SHARED_CREDENTIALS_FILE=" + dir_.path() + "/none ";
  const std::string aws = env + "/usr/bin/aws --endpoint-url " + node_->url() + " ";
  std::ofstream(dir_.path() + "/up.txt") << "uploaded by the aws cli\n";
  Shell(aws + "s3api put-object --bucket v1 --key fs/team/by-aws --body " + dir_.path() +
        "/up.txt 2>&1");
  HttpClient c(node_->url());
  EXPECT_EQ(c.Request("GET", "/v1/fs/team/by-aws", "", Bearer(kReader))->body,
            "uploaded by the aws cli\n");
  auto [rc, out] =
      Shell(aws + "s3api get-object --bucket v1 --key fs/team/f " + dir_.path() + "/got.txt 2>&1");
  EXPECT_EQ(rc, 0) << out;
  std::ifstream got(dir_.path() + "/got.txt");
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(got)), std::istreambuf_iterator<char>()),
            "data");
  auto [prc, url] = Shell(aws + "s3 presign s3://v1/fs/team/f --expires-in 600 2>&1");
  ASSERT_EQ(prc, 0) << url;
  while (!url.empty() && url.back() == '\n') url.pop_back();
  auto fetched = c.Request("GET", url.substr(url.find("/v1/fs/")));
  EXPECT_EQ(fetched->status, 200) << fetched->body;
  EXPECT_EQ(fetched->body, "data");
  // Outside the writer's prefixes: refused, whoever signed it.
  auto [orc, outside] = Shell(aws + "s3 presign s3://v1/fs/other/f --expires-in 600 2>&1");
  ASSERT_EQ(orc, 0);
  EXPECT_EQ(c.Request("GET", outside.substr(outside.find("/v1/fs/"),
                                            outside.find('\n') - outside.find("/v1/fs/")))
                ->status,
            403);
}

TEST_F(AuthTest, SighupReloadsThePrincipalsAndKeepsThemOnAMistake) {
  Who late{"late", "read", "/", "walfs_late_token", "AKIDLATE", "late-secret-0123456789"};
  EXPECT_EQ(StatusOf("GET", "/v1/fs/", late), 401);
  WriteAuthFile(auth_, {kReader, kWriter, kAdmin, late});
  node_->Kill(SIGHUP);
  EXPECT_TRUE(WaitFor([&] { return StatusOf("GET", "/v1/fs/", late) == 200; }, 10s));
  // A file with a mistake: the principals loaded before stay.
  std::ofstream(auth_) << R"({"principals": [{"name": "x", "role": "superuser"}]})";
  node_->Kill(SIGHUP);
  EXPECT_TRUE(WaitFor(
      [&] {
        std::ifstream log(node_->log_path());
        std::string all((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
        return all.find("kept the principals loaded before") != std::string::npos;
      },
      10s));
  EXPECT_EQ(StatusOf("GET", "/v1/fs/", late), 200);
  EXPECT_EQ(StatusOf("GET", "/v1/fs/team/f", kReader), 404);
  EXPECT_TRUE(node_->running());
}

TEST_F(AuthTest, FailuresPerAddressAreLimited) {
  ServeProcess limited(dir_.path() + "/limited", "local", "limited",
                       {"--auth", auth_, "--max-auth-failures-per-minute", "3"});
  limited.Start();
  HttpClient c(limited.url());
  Who wrong = kReader;
  wrong.token = "walfs_wrong";
  ASSERT_TRUE(WaitFor([&] { return c.Get("/readyz").ok(); }, 20s));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(c.Request("GET", "/v1/fs/team/f", "", Bearer(wrong))->status, 401);
  }
  auto r = c.Request("GET", "/v1/fs/team/f", "", Bearer(wrong));
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(Json(*r)["error"], "too_many_requests");
  EXPECT_EQ(r->header("retry-after"), "60");
  // The address is refused even with good credentials until the minute ends.
  EXPECT_EQ(c.Request("GET", "/v1/fs/team/f", "", Bearer(kReader))->status, 429);
  EXPECT_EQ(c.Get("/healthz")->status, 200);
}

TEST(ListenTest, BeyondLoopbackNeedsAuthOrTheInsecureFlag) {
  TempDir dir;
  auto [rc, out] = RunCli({"serve", "--data", dir.path() + "/d", "--listen", "0.0.0.0:0"});
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("without --auth"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/d")) << "created the store before refusing";
  // The S3 listener too.
  std::tie(rc, out) = RunCli({"serve", "--data", dir.path() + "/d", "--s3-listen", "0.0.0.0:0"});
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("(--s3-listen) without --auth"), std::string::npos) << out;
  std::tie(rc, out) = RunCli({"serve", "--data", dir.path() + "/d", "--s3-listen", "nohost"});
  EXPECT_EQ(rc, 2) << out;
  EXPECT_NE(out.find("--s3-listen must be HOST:PORT"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/d"));
  int port = FreePort();
  Process any({WALFS_BINARY, "serve", "--data", dir.path() + "/any", "--listen",
               "0.0.0.0:" + std::to_string(port), "--insecure-no-auth"},
              dir.path() + "/any.log");
  EXPECT_TRUE(WaitFor([&] { return PortAcceptsConnections(port) || !any.running(); }, 20s));
  EXPECT_TRUE(any.running());
}

TEST(ConnectionLimitsTest, PerAddressAndPerConnection) {
  TempDir dir;
  ServeProcess node(dir.path() + "/data", "local", "solo",
                    {"--max-connections-per-address", "3", "--max-requests-per-connection", "2"});
  node.Start();
  ASSERT_TRUE(node.WaitReady());
  // Three idle connections from 127.0.0.1: a fourth is refused 429. (One
  // of the three may itself be refused while the server has not yet seen
  // an earlier client's close: it is replaced.)
  std::vector<std::unique_ptr<RawConn>> idle;
  std::string refused;
  EXPECT_TRUE(WaitFor(
      [&] {
        std::erase_if(idle, [](const auto& c) { return c->Answered(); });
        while (idle.size() < 3) idle.push_back(std::make_unique<RawConn>(node.port()));
        refused = RawExchange(node.port(), "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
        return refused.find(" 429 ") != std::string::npos;
      },
      10s))
      << refused;
  EXPECT_NE(refused.find("too many connections from this address"), std::string::npos);
  idle.clear();
  // Three requests on one connection: two answered, then it closes.
  std::string got;
  EXPECT_TRUE(WaitFor(
      [&] {
        got = RawExchange(node.port(),
                          "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
                          "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
                          "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
        return got.find(" 429 ") == std::string::npos;
      },
      10s));
  size_t answers = 0;
  for (size_t at = 0; (at = got.find("HTTP/1.1 200", at)) != std::string::npos; ++at) ++answers;
  EXPECT_EQ(answers, 2u) << got;
  EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
}

TEST(TlsTest, HttpsWithATestCaAndACertificateReloadedOnSighup) {
  TempDir dir;
  MakeCertificate(dir.path(), "one");
  MakeCertificate(dir.path(), "two");
  std::string auth = dir.path() + "/auth.json";
  WriteAuthFile(auth, {kReader, kWriter, kAdmin});
  Shell("cp " + dir.path() + "/one/server.pem " + dir.path() + "/cert.pem && cp " + dir.path() +
        "/one/server.key " + dir.path() + "/key.pem");
  ServeProcess node(dir.path() + "/data", "local", "solo",
                    {"--auth", auth, "--tls-cert", dir.path() + "/cert.pem", "--tls-key",
                     dir.path() + "/key.pem"});
  node.Start();
  const std::string url = "https://127.0.0.1:" + std::to_string(node.port());
  auto curl = [&](const std::string& ca, const std::string& path) {
    return Shell("curl -sS --max-time 10 --cacert " + dir.path() + "/" + ca + "/ca.pem " +
                 "-H 'Authorization: Bearer " + kWriter.token + "' " + url + path + " 2>&1");
  };
  ASSERT_TRUE(WaitFor(
      [&] { return curl("one", "/readyz").second.find("ready") != std::string::npos; }, 20s));
  EXPECT_EQ(Shell("curl -sS -X PUT --data-binary over-tls --cacert " + dir.path() +
                  "/one/ca.pem -H 'Authorization: Bearer " + kWriter.token + "' " + url +
                  "/v1/fs/team/tls 2>&1")
                .first,
            0);
  EXPECT_EQ(curl("one", "/v1/fs/team/tls").second, "over-tls");
  // Without the CA, curl refuses the certificate; plain http gets nothing.
  auto no_ca = Shell("curl -sS --max-time 10 " + url + "/healthz 2>&1");
  EXPECT_NE(no_ca.first, 0);
  EXPECT_EQ(Shell("curl -sS --max-time 10 http://127.0.0.1:" + std::to_string(node.port()) +
                  "/healthz 2>&1")
                .second.find("\"status\":\"ok\""),
            std::string::npos);
  // TLS 1.1 is refused.
  EXPECT_NE(Shell("curl -sS --max-time 10 --tlsv1.1 --tls-max 1.1 --cacert " + dir.path() +
                  "/one/ca.pem " + url + "/healthz 2>&1")
                .first,
            0);
  // The CLI: --cacert and --token (or WALFS_CACERT and WALFS_TOKEN).
  auto [rc, out] = RunCli({"--server", url, "--cacert", dir.path() + "/one/ca.pem", "--token",
                           kWriter.token, "cat", "/team/tls"});
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "over-tls");
  auto env = RunCli({"--server", url, "cat", "/team/tls"},
                    {"WALFS_CACERT=" + dir.path() + "/one/ca.pem", "WALFS_TOKEN=" + kWriter.token});
  EXPECT_EQ(env.first, 0) << env.second;
  auto refused = RunCli({"--server", url, "--token", kWriter.token, "cat", "/team/tls"});
  EXPECT_NE(refused.first, 0);
  EXPECT_NE(refused.second.find("certificate verify failed"), std::string::npos) << refused.second;
  // A token over plain http beyond loopback draws a warning.
  auto warned = RunCli({"--server", "http://192.0.2.1:9", "--token", "t", "stat", "/x"});
  EXPECT_NE(warned.second.find("warning: sending a token over plain http"), std::string::npos)
      << warned.second;
  // A new certificate (another CA) is served after SIGHUP; open clients go on.
  Shell("cp " + dir.path() + "/two/server.pem " + dir.path() + "/cert.pem && cp " + dir.path() +
        "/two/server.key " + dir.path() + "/key.pem");
  node.Kill(SIGHUP);
  EXPECT_TRUE(WaitFor([&] { return curl("two", "/v1/fs/team/tls").second == "over-tls"; }, 10s));
  EXPECT_NE(curl("one", "/v1/fs/team/tls").first, 0);
}

}  // namespace
}  // namespace walfs::testing

namespace walfs::testing {
namespace {

std::string FileText(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// The log URL carries Redis ACL credentials; the password shows nowhere: not
// in /readyz, /v1/cluster, the log, nor the error for a wrong one.
TEST(RedisCredentialsTest, AnAclUserIsUsedAndItsPasswordNeverShown) {
  TempDir dir;
  RedisServer redis(dir.path());
  const std::string password = "s3cret-redis-pass";
  const std::string cli = "redis-cli -p " + std::to_string(redis.port()) + " ";
  ASSERT_EQ(Shell(cli + "ACL SETUSER walfs on '>" + password + "' '~*' '&*' '+@all'").first, 0);
  ASSERT_EQ(Shell(cli + "ACL SETUSER default off").first, 0);
  const std::string base = "127.0.0.1:" + std::to_string(redis.port()) + "/0?stream=creds";

  ServeProcess good(dir.path() + "/good", "redis://walfs:" + password + "@" + base, "good");
  good.Start();
  ASSERT_TRUE(good.WaitReady()) << FileText(good.log_path());
  HttpClient c = good.Client();
  EXPECT_EQ(c.Request("PUT", "/v1/fs/a", "through an ACL user")->status, 201);
  std::string seen = c.Get("/readyz")->body + c.Get("/v1/cluster")->body;
  EXPECT_NE(seen.find("redis://walfs:***@"), std::string::npos) << seen;

  ServeProcess wrong(dir.path() + "/wrong", "redis://walfs:not-the-password@" + base, "wrong");
  wrong.Start();
  ServeProcess none(dir.path() + "/none", "redis://" + base, "none");
  none.Start();
  // Not ready from the moment they listen (each tried the log once
  // before), and /readyz says why.
  for (ServeProcess* p : {&wrong, &none}) {
    auto r = p->Client(2000).Get("/readyz");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 503) << r->body;
  }
  EXPECT_NE(wrong.Client(2000).Get("/readyz")->body.find("refused the credentials of user 'walfs'"),
            std::string::npos);
  for (const auto& text : {seen, FileText(good.log_path()), FileText(wrong.log_path()),
                           FileText(none.log_path()), wrong.Client(2000).Get("/readyz")->body}) {
    EXPECT_EQ(text.find(password), std::string::npos) << text;
    EXPECT_EQ(text.find("not-the-password"), std::string::npos) << text;
  }
  // A malformed URL is refused with the password masked.
  auto [rc, out] = RunCli({"serve", "--data", dir.path() + "/bad", "--log",
                           "redis://walfs:" + password + "@127.0.0.1:notaport"});
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("redis://walfs:***@127.0.0.1:notaport"), std::string::npos) << out;
  EXPECT_EQ(out.find(password), std::string::npos) << out;
}

}  // namespace
}  // namespace walfs::testing
