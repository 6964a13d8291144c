// The S3 endpoint's pure parts: which operation a request is, bucket names
// and keys that a file system can or cannot hold, the error table, XML
// written and read through libxml2, and listings in S3's key order.
#include <gtest/gtest.h>

#include "auth/crypto.h"
#include "http/util.h"
#include "s3/body_check.h"
#include "s3/checksum.h"
#include "s3/listing.h"
#include "s3/s3_error.h"
#include "s3/s3_request.h"
#include "s3/xml.h"
#include "support/sm_fixture.h"

namespace walfs {
namespace {

HttpRequest Req(std::string method, std::string target, HeaderMap headers = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  return r;
}

S3Request Parsed(const HttpRequest& r, std::string_view domain = "") {
  auto p = ParseS3Request(r, domain);
  if (auto* e = std::get_if<S3Error>(&p)) {
    ADD_FAILURE() << r.method << " " << r.target << ": " << e->code << " " << e->message;
    return {};
  }
  return std::get<S3Request>(p);
}

std::string ErrorCode(const HttpRequest& r) {
  auto p = ParseS3Request(r, "");
  auto* e = std::get_if<S3Error>(&p);
  return e == nullptr ? "" : e->code;
}

TEST(S3RequestTest, EachOperationIsFoundFromMethodQueryAndHeaders) {
  struct Case {
    std::string method, target;
    HeaderMap headers;
    S3Op op;
  };
  const Case cases[] = {
      {"GET", "/", {}, S3Op::kListBuckets},
      {"PUT", "/bk1", {}, S3Op::kCreateBucket},
      {"DELETE", "/bk1", {}, S3Op::kDeleteBucket},
      {"HEAD", "/bk1", {}, S3Op::kHeadBucket},
      {"GET", "/bk1?location", {}, S3Op::kGetBucketLocation},
      {"GET", "/bk1?versioning", {}, S3Op::kGetBucketVersioning},
      {"GET", "/bk1?uploads", {}, S3Op::kListMultipartUploads},
      {"GET", "/bk1", {}, S3Op::kListObjects},
      {"GET", "/bk1?list-type=2&prefix=a", {}, S3Op::kListObjectsV2},
      {"POST", "/bk1?delete", {}, S3Op::kDeleteObjects},
      {"PUT", "/bk1/k", {}, S3Op::kPutObject},
      {"PUT", "/bk1/k", {{"x-amz-copy-source", "/bk1/j"}}, S3Op::kCopyObject},
      {"GET", "/bk1/k", {}, S3Op::kGetObject},
      {"HEAD", "/bk1/k", {}, S3Op::kHeadObject},
      {"DELETE", "/bk1/k", {}, S3Op::kDeleteObject},
      {"POST", "/bk1/k?uploads", {}, S3Op::kCreateMultipartUpload},
      {"PUT", "/bk1/k?partNumber=2&uploadId=u", {}, S3Op::kUploadPart},
      {"PUT",
       "/bk1/k?partNumber=2&uploadId=u",
       {{"x-amz-copy-source", "/bk1/j"}},
       S3Op::kUploadPartCopy},
      {"POST", "/bk1/k?uploadId=u", {}, S3Op::kCompleteMultipartUpload},
      {"DELETE", "/bk1/k?uploadId=u", {}, S3Op::kAbortMultipartUpload},
      {"GET", "/bk1/k?uploadId=u", {}, S3Op::kListParts},
  };
  for (const auto& c : cases) {
    S3Request r = Parsed(Req(c.method, c.target, c.headers));
    EXPECT_EQ(r.op, c.op) << c.method << " " << c.target << ": " << S3OpName(r.op);
  }
}

TEST(S3RequestTest, KeysAndBucketsMapToPathsBothStyles) {
  S3Request r = Parsed(Req("GET", "/bk1/a/b%20c.txt?response-content-type=text%2Fplain"));
  EXPECT_EQ(r.bucket, "bk1");
  EXPECT_EQ(r.key, "a/b c.txt");
  EXPECT_EQ(r.path, "/bk1/a/b c.txt");
  EXPECT_EQ(r.Query("response-content-type"), "text/plain");
  EXPECT_EQ(r.resource(), "/bk1/a/b c.txt");
  // Virtual-hosted style with --s3-domain; the port is not part of it.
  r = Parsed(Req("GET", "/a/b.txt", {{"host", "logs.s3.example.com:9000"}}), "s3.example.com");
  EXPECT_EQ(r.bucket, "logs");
  EXPECT_EQ(r.path, "/logs/a/b.txt");
  // Without the domain, the same host is path style.
  r = Parsed(Req("GET", "/logs/x", {{"host", "other.example.com"}}), "s3.example.com");
  EXPECT_EQ(r.bucket, "logs");
  // A folder key.
  r = Parsed(Req("PUT", "/bk1/dir/"));
  EXPECT_TRUE(r.directory_key);
  EXPECT_EQ(r.path, "/bk1/dir");
}

TEST(S3RequestTest, KeysAFileSystemCannotHoldAreRefusedSayingWhy) {
  for (std::string t :
       {"/bk1/a//b", "/bk1/a/./b", "/bk1/a/../b", "/bk1/..", "/bk1//x", "/bk1/a%00b"}) {
    auto p = ParseS3Request(Req("PUT", t), "");
    auto* e = std::get_if<S3Error>(&p);
    ASSERT_NE(e, nullptr) << t;
    EXPECT_EQ(e->code, "InvalidArgument") << t;
    EXPECT_FALSE(e->message.empty());
  }
  EXPECT_EQ(ErrorCode(Req("PUT", "/bk1/" + std::string(1025, 'k'))), "KeyTooLongError");
  EXPECT_EQ(ErrorCode(Req("PUT", "/bk1/a%zz")), "InvalidArgument");
}

TEST(S3RequestTest, BucketNamesFollowS3sRules) {
  for (std::string ok :
       std::vector<std::string>{"abc", "my-bucket.logs", "a1b", std::string(63, 'a')}) {
    EXPECT_FALSE(CheckBucketName(ok)) << ok;
  }
  for (std::string bad :
       std::vector<std::string>{"ab", std::string(64, 'a'), "Upper", "under_score", "-lead",
                                "trail-", "two..dots", "192.168.1.1"}) {
    auto e = CheckBucketName(bad);
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->code, "InvalidBucketName");
  }
  EXPECT_EQ(ErrorCode(Req("PUT", "/Bad_Name")), "InvalidBucketName");
  // A key without a bucket (found by fuzz_s3: it was taken for ListBuckets).
  EXPECT_EQ(ErrorCode(Req("GET", "//key.txt")), "InvalidBucketName");
}

TEST(S3RequestTest, UnsupportedSubresourcesAndMethodsAreSaidSo) {
  for (std::string t : {"/bk1?acl", "/bk1?policy", "/bk1?lifecycle", "/bk1/k?tagging", "/bk1?cors",
                        "/bk1?versions", "/bk1?encryption", "/bk1/k?retention"}) {
    EXPECT_EQ(ErrorCode(Req("GET", t)), "NotImplemented") << t;
  }
  // A bucket's configuration is not a second CreateBucket.
  EXPECT_EQ(ErrorCode(Req("PUT", "/bk1?versioning")), "NotImplemented");
  EXPECT_EQ(ErrorCode(Req("PUT", "/bk1?accelerate")), "NotImplemented");
  EXPECT_EQ(ErrorCode(Req("PUT", "/")), "MethodNotAllowed");
  EXPECT_EQ(ErrorCode(Req("POST", "/bk1")), "MethodNotAllowed");
  EXPECT_EQ(ErrorCode(Req("PATCH", "/bk1/k")), "MethodNotAllowed");
}

TEST(S3ErrorTest, WalfsCodesBecomeS3CodesWithS3Statuses) {
  EXPECT_EQ(S3ErrorFor(Status(Code::kNotFound, "m")).code, "NoSuchKey");
  EXPECT_EQ(S3ErrorFor(Status(Code::kPreconditionFailed, "m")).code, "PreconditionFailed");
  EXPECT_EQ(S3ErrorFor(Status(Code::kTooLarge, "m")).code, "EntityTooLarge");
  EXPECT_EQ(S3ErrorFor(Status(Code::kForbidden, "m")).code, "AccessDenied");
  EXPECT_EQ(S3ErrorFor(Status(Code::kNotEmpty, "m")).code, "BucketNotEmpty");
  EXPECT_EQ(S3ErrorFor(Status(Code::kLogUnavailable, "m")).code, "ServiceUnavailable");
  EXPECT_EQ(S3ErrorFor(Status(Code::kInvalidRange, "m")).message, "m");
  EXPECT_EQ(S3StatusFor("NoSuchKey"), 404);
  EXPECT_EQ(S3StatusFor("InvalidRange"), 416);
  EXPECT_EQ(S3StatusFor("PreconditionFailed"), 412);
  EXPECT_EQ(S3StatusFor("BucketNotEmpty"), 409);
  EXPECT_EQ(S3StatusFor("SignatureDoesNotMatch"), 403);
  EXPECT_EQ(S3StatusFor("NotImplemented"), 501);
  EXPECT_EQ(S3StatusFor("EntityTooLarge"), 400);
  EXPECT_EQ(S3StatusFor("ServiceUnavailable"), 503);
}

TEST(XmlTest, WrittenEscapedAndReadBack) {
  XmlWriter w("ListBucketResult");
  w.Element("Name", "b<&>\"'1");
  w.Open("Contents");
  w.Element("Key", "a/b c\xc3\xa9.txt");
  w.Close();
  std::string doc = w.Finish();
  EXPECT_NE(doc.find("xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""), std::string::npos);
  EXPECT_NE(doc.find("b&lt;&amp;&gt;"), std::string::npos) << doc;
  auto parsed = ParseXml(doc);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->name, "ListBucketResult");
  ASSERT_NE(parsed->Child("Name"), nullptr);
  EXPECT_EQ(parsed->Child("Name")->text, "b<&>\"'1");
  EXPECT_EQ(parsed->Child("Contents")->Child("Key")->text, "a/b c\xc3\xa9.txt");
}

TEST(XmlTest, MalformedHostileAndHugeDocumentsAreRefused) {
  EXPECT_FALSE(ParseXml(""));
  EXPECT_FALSE(ParseXml("<Delete><Object></Delete>"));
  EXPECT_FALSE(ParseXml("not xml"));
  EXPECT_FALSE(ParseXml(std::string(2 << 20, ' ') + "<a/>"));
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "<a>";
  for (int i = 0; i < 40; ++i) deep += "</a>";
  EXPECT_FALSE(ParseXml(deep));
  // An external entity is neither fetched nor expanded.
  auto xxe = ParseXml(
      "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<Delete><Key>&x;</Key></Delete>");
  if (xxe) {
    ASSERT_NE(xxe->Child("Key"), nullptr);
    EXPECT_EQ(xxe->Child("Key")->text.find("root:"), std::string::npos);
  }
}

class ListingTest : public ::testing::Test, public testing::SmFixture {
 protected:
  std::vector<std::string> Keys(const ListingQuery& q, Listing* out = nullptr) {
    FsView view = View();
    auto l = ListBucket(view, "/b", q);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    std::vector<std::string> keys;
    if (!l.ok()) return keys;
    for (const auto& k : l->contents) keys.push_back(k.key);
    for (const auto& p : l->common_prefixes) keys.push_back("P:" + p);
    if (out != nullptr) *out = *l;
    return keys;
  }
};

TEST_F(ListingTest, KeysComeInByteOrderNotTreeOrder) {
  // Directory "x" holds keys "x/...", which sort after "x.txt" and "x-1"
  // ('-' and '.' are below '/') and before "x0".
  for (std::string k : {"x/a", "x/b/c", "x.txt", "x-1", "x0", "a", "y"}) Put("/b/" + k, "1");
  Mkdir("/b/empty");
  EXPECT_EQ(Keys({}),
            (std::vector<std::string>{"a", "empty/", "x-1", "x.txt", "x/a", "x/b/c", "x0", "y"}));
  ListingQuery q;
  q.delimiter = "/";
  EXPECT_EQ(Keys(q),
            (std::vector<std::string>{"a", "x-1", "x.txt", "x0", "y", "P:empty/", "P:x/"}));
  q.prefix = "x/";
  EXPECT_EQ(Keys(q), (std::vector<std::string>{"x/a", "P:x/b/"}));
  q = {};
  q.prefix = "x";
  EXPECT_EQ(Keys(q), (std::vector<std::string>{"x-1", "x.txt", "x/a", "x/b/c", "x0"}));
  q.prefix = "x/b/c";
  EXPECT_EQ(Keys(q), (std::vector<std::string>{"x/b/c"}));
  q.prefix = "nothing/here";
  EXPECT_TRUE(Keys(q).empty());
}

TEST_F(ListingTest, AnyDelimiterRollsKeysUpAfterThePrefix) {
  for (std::string k : {"asdf", "boo-bar", "boo-baz/x", "cquux-1", "cquux-2", "dir/a-b/c", "z.z"}) {
    Put("/b/" + k, "1");
  }
  ListingQuery q;
  q.delimiter = "-";
  EXPECT_EQ(Keys(q), (std::vector<std::string>{"asdf", "z.z", "P:boo-", "P:cquux-", "P:dir/a-"}));
  q.prefix = "boo-";
  EXPECT_EQ(Keys(q), (std::vector<std::string>{"boo-bar", "boo-baz/x"}));
  q = {};
  q.delimiter = "a";  // a prefix that ends in the middle of a name
  q.prefix = "boo-b";
  EXPECT_EQ(Keys(q), (std::vector<std::string>{"P:boo-ba"}));
  q.delimiter = "/x";  // several characters, straddling a directory's name
  q.prefix = "";
  EXPECT_EQ(Keys(q), (std::vector<std::string>{"asdf", "boo-bar", "cquux-1", "cquux-2", "dir/a-b/c",
                                               "z.z", "P:boo-baz/x"}));
  // Pages: a common prefix is one entry and is not listed again after it.
  q = {};
  q.delimiter = "-";
  q.max_keys = 2;
  Listing l;
  EXPECT_EQ(Keys(q, &l), (std::vector<std::string>{"asdf", "P:boo-"}));
  q.after = l.last;
  EXPECT_EQ(Keys(q, &l), (std::vector<std::string>{"P:cquux-", "P:dir/a-"}));
  q.after = l.last;
  EXPECT_EQ(Keys(q, &l), (std::vector<std::string>{"z.z"}));
  EXPECT_FALSE(l.truncated);
}

TEST_F(ListingTest, PagesResumeAfterTheirMarkerAndCoverEverythingOnce) {
  std::vector<std::string> all;
  for (std::string k : {"a/1", "a/2", "a/b/3", "a.b", "c", "d/e/f/g", "z"}) {
    Put("/b/" + k, "1");
  }
  for (size_t page = 1; page <= 4; ++page) {
    ListingQuery q;
    q.max_keys = page;
    std::vector<std::string> got;
    for (int i = 0; i < 20; ++i) {
      Listing l;
      auto keys = Keys(q, &l);
      got.insert(got.end(), keys.begin(), keys.end());
      if (!l.truncated) break;
      ASSERT_EQ(keys.size(), page);
      q.after = l.last;
    }
    EXPECT_EQ(got, (std::vector<std::string>{"a.b", "a/1", "a/2", "a/b/3", "c", "d/e/f/g", "z"}))
        << "page size " << page;
  }
  // With the delimiter, a common prefix is one entry of a page.
  ListingQuery q;
  q.delimiter = "/";
  q.max_keys = 2;
  Listing l;
  EXPECT_EQ(Keys(q, &l), (std::vector<std::string>{"a.b", "P:a/"}));
  EXPECT_TRUE(l.truncated);
  q.after = l.last;
  EXPECT_EQ(Keys(q, &l), (std::vector<std::string>{"c", "P:d/"}));
}

TEST_F(ListingTest, AMissingBucketIsNotFound) {
  FsView view = View();
  EXPECT_EQ(ListBucket(view, "/nope", {}).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace walfs

namespace walfs {
namespace {

std::string ChecksumOfText(ChecksumKind k, std::string_view text) {
  Checksum c(k);
  size_t half = text.size() / 2;  // in pieces, as a streamed body
  c.Update(text.substr(0, half));
  c.Update(text.substr(half));
  return c.Base64();
}

TEST(ChecksumTest, KnownValues) {
  // The check values of the CRC catalogue ("123456789"), big-endian, in base64.
  EXPECT_EQ(ChecksumOfText(ChecksumKind::kCrc32, "123456789"), Base64Encode("\xCB\xF4\x39\x26"));
  EXPECT_EQ(ChecksumOfText(ChecksumKind::kCrc32c, "123456789"), Base64Encode("\xE3\x06\x92\x83"));
  EXPECT_EQ(ChecksumOfText(ChecksumKind::kSha1, "abc"),
            Base64Encode(*FromHex("a9993e364706816aba3e25717850c26c9cd0d89d")));
  EXPECT_EQ(
      ChecksumOfText(ChecksumKind::kSha256, "abc"),
      Base64Encode(*FromHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")));
}

TEST(ChecksumTest, ARequestSendsAtMostOneValidChecksum) {
  HeaderMap h{{"x-amz-checksum-crc32", Base64Encode("\xCB\xF4\x39\x26")}};
  auto one = ChecksumOf(h);
  ASSERT_TRUE(std::holds_alternative<std::optional<RequestedChecksum>>(one));
  auto d = BodyDigestsOf(h);
  ASSERT_TRUE(std::holds_alternative<BodyDigests>(d));
  EXPECT_FALSE(CheckBody(std::get<BodyDigests>(d), "123456789"));
  EXPECT_EQ(CheckBody(std::get<BodyDigests>(d), "12345678X")->code, "BadDigest");
  h["x-amz-checksum-sha1"] = Base64Encode(std::string(20, 'x'));
  EXPECT_EQ(std::get<S3Error>(ChecksumOf(h)).code, "InvalidRequest");
  EXPECT_EQ(std::get<S3Error>(ChecksumOf({{"x-amz-checksum-sha256", "short"}})).code,
            "InvalidRequest");
  EXPECT_EQ(std::get<S3Error>(BodyDigestsOf({{"content-md5", ""}})).code, "InvalidDigest");
}

}  // namespace
}  // namespace walfs
