// SigV4 verification against AWS's published examples for S3 (Amazon S3
// API reference, "Signature Calculations for the Authorization Header",
// "Query String Parameters" and "Transferring Payload in Multiple Chunks"):
// each is verified as AWS signed it, and fails as it should once anything
// signed is changed, the clock is off or the URL has expired.
#include <gtest/gtest.h>

#include "auth/aws_chunked.h"
#include "auth/crypto.h"
#include "auth/sigv4.h"
#include "core/hash.h"
#include "core/path.h"

namespace walfs {
namespace {

constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kExampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr int64_t kExampleNow = 1369353600;  // 2013-05-24T00:00:00Z
constexpr std::string_view kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SecretLookup Secrets() {
  return [](std::string_view key) -> std::optional<std::string> {
    if (key == kAccessKey) return std::string(kExampleSecret);
    return std::nullopt;
  };
}

std::string AuthHeader(std::string_view signed_headers, std::string_view signature,
                       std::string_view key = kAccessKey) {
  return "AWS4-HMAC-SHA256 Credential=" + std::string(key) +
         "/20130524/us-east-1/s3/aws4_request,SignedHeaders=" + std::string(signed_headers) +
         ",Signature=" + std::string(signature);
}

SigV4Headers GetObjectHeaders() {
  return {{"host", "examplebucket.s3.amazonaws.com"},
          {"range", "bytes=0-9"},
          {"x-amz-content-sha256", std::string(kEmptyHash)},
          {"x-amz-date", "20130524T000000Z"},
          {"authorization",
           AuthHeader("host;range;x-amz-content-sha256;x-amz-date",
                      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")}};
}

TEST(SigV4Test, AwsExampleGetObject) {
  auto h = GetObjectHeaders();
  ASSERT_EQ(DetectSigV4(h, "/test.txt"), SigV4Form::kHeader);
  SigV4Verdict v = VerifySigV4("GET", "/test.txt", h, Secrets(), kExampleNow);
  ASSERT_EQ(v.error, SigV4Error::kOk) << v.message;
  EXPECT_EQ(v.access_key, kAccessKey);
  EXPECT_EQ(v.payload.kind, PayloadCheck::Kind::kSha256);
  EXPECT_EQ(v.payload.sha256, Sha256(""));
}

TEST(SigV4Test, AwsExamplePutObjectWithDateHeaderAndEscapedPath) {
  SigV4Headers h = {
      {"host", "examplebucket.s3.amazonaws.com"},
      {"date", "Fri, 24 May 2013 00:00:00 GMT"},
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
      {"authorization",
       AuthHeader("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                  "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")}};
  // The path as a client sends it ($ escaped) and raw: the same canonical path.
  for (std::string_view target : {"/test%24file.text", "/test$file.text"}) {
    SigV4Verdict v = VerifySigV4("PUT", target, h, Secrets(), kExampleNow);
    ASSERT_EQ(v.error, SigV4Error::kOk) << target << ": " << v.message;
    EXPECT_EQ(v.payload.sha256, Sha256("Welcome to Amazon S3."));
  }
}

TEST(SigV4Test, AwsExamplesWithQueries) {
  SigV4Headers h = {{"host", "examplebucket.s3.amazonaws.com"},
                    {"x-amz-content-sha256", std::string(kEmptyHash)},
                    {"x-amz-date", "20130524T000000Z"}};
  h["authorization"] =
      AuthHeader("host;x-amz-content-sha256;x-amz-date",
                 "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  EXPECT_EQ(VerifySigV4("GET", "/?lifecycle", h, Secrets(), kExampleNow).error, SigV4Error::kOk);
  h["authorization"] =
      AuthHeader("host;x-amz-content-sha256;x-amz-date",
                 "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  EXPECT_EQ(VerifySigV4("GET", "/?max-keys=2&prefix=J", h, Secrets(), kExampleNow).error,
            SigV4Error::kOk);
  // The query's order does not matter; its content does.
  EXPECT_EQ(VerifySigV4("GET", "/?prefix=J&max-keys=2", h, Secrets(), kExampleNow).error,
            SigV4Error::kOk);
  EXPECT_EQ(VerifySigV4("GET", "/?max-keys=3&prefix=J", h, Secrets(), kExampleNow).error,
            SigV4Error::kBadSignature);
}

constexpr std::string_view kPresigned =
    "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
    "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
    "X-Amz-SignedHeaders=host&X-Amz-Signature="
    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

TEST(SigV4Test, AwsExamplePresignedUrlAndItsExpiry) {
  SigV4Headers h = {{"host", "examplebucket.s3.amazonaws.com"}};
  ASSERT_EQ(DetectSigV4(h, kPresigned), SigV4Form::kPresigned);
  SigV4Verdict v = VerifySigV4("GET", kPresigned, h, Secrets(), kExampleNow + 3600);
  ASSERT_EQ(v.error, SigV4Error::kOk) << v.message;
  EXPECT_EQ(v.payload.kind, PayloadCheck::Kind::kNone);
  EXPECT_EQ(VerifySigV4("GET", kPresigned, h, Secrets(), kExampleNow + 86400).error,
            SigV4Error::kOk);
  v = VerifySigV4("GET", kPresigned, h, Secrets(), kExampleNow + 86401);
  EXPECT_EQ(v.error, SigV4Error::kExpired);
  EXPECT_EQ(VerifySigV4("GET", kPresigned, h, Secrets(), kExampleNow - 3600).error,
            SigV4Error::kSkewed);
  EXPECT_EQ(VerifySigV4("HEAD", kPresigned, h, Secrets(), kExampleNow).error,
            SigV4Error::kBadSignature);
  h["host"] = "other.example";
  EXPECT_EQ(VerifySigV4("GET", kPresigned, h, Secrets(), kExampleNow).error,
            SigV4Error::kBadSignature);
}

TEST(SigV4Test, AnyChangeToWhatIsSignedFails) {
  SigV4Headers h = GetObjectHeaders();
  EXPECT_EQ(VerifySigV4("GET", "/test.txt", h, Secrets(), kExampleNow).error, SigV4Error::kOk);
  EXPECT_EQ(VerifySigV4("GET", "/test.txu", h, Secrets(), kExampleNow).error,
            SigV4Error::kBadSignature);
  EXPECT_EQ(VerifySigV4("PUT", "/test.txt", h, Secrets(), kExampleNow).error,
            SigV4Error::kBadSignature);
  EXPECT_EQ(VerifySigV4("GET", "/test.txt?x=1", h, Secrets(), kExampleNow).error,
            SigV4Error::kBadSignature);
  auto changed = h;
  changed["range"] = "bytes=0-10";
  EXPECT_EQ(VerifySigV4("GET", "/test.txt", changed, Secrets(), kExampleNow).error,
            SigV4Error::kBadSignature);
  // An unsigned header may change.
  changed = h;
  changed["user-agent"] = "anything";
  EXPECT_EQ(VerifySigV4("GET", "/test.txt", changed, Secrets(), kExampleNow).error,
            SigV4Error::kOk);
  // Spaces around and inside a value are canonical.
  changed = h;
  changed["range"] = "  bytes=0-9 ";
  EXPECT_EQ(VerifySigV4("GET", "/test.txt", changed, Secrets(), kExampleNow).error,
            SigV4Error::kOk);
  auto other_secret = [](std::string_view) -> std::optional<std::string> {
    return std::string("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEX");
  };
  SigV4Verdict v = VerifySigV4("GET", "/test.txt", h, other_secret, kExampleNow);
  EXPECT_EQ(v.error, SigV4Error::kBadSignature);
  EXPECT_EQ(v.message.find("wJalr"), std::string::npos);
  EXPECT_EQ(v.message.find("f0e8bdb8"), std::string::npos);
}

TEST(SigV4Test, UnknownKeySkewAndMalformedSignatures) {
  SigV4Headers h = GetObjectHeaders();
  EXPECT_EQ(VerifySigV4("GET", "/test.txt", h, Secrets(), kExampleNow + 900).error,
            SigV4Error::kOk);
  EXPECT_EQ(VerifySigV4("GET", "/test.txt", h, Secrets(), kExampleNow + 901).error,
            SigV4Error::kSkewed);
  EXPECT_EQ(VerifySigV4("GET", "/test.txt", h, Secrets(), kExampleNow - 901).error,
            SigV4Error::kSkewed);
  auto unknown = h;
  unknown["authorization"] =
      AuthHeader("host;range;x-amz-content-sha256;x-amz-date", std::string(64, 'a'), "AKIDNOBODY");
  EXPECT_EQ(VerifySigV4("GET", "/test.txt", unknown, Secrets(), kExampleNow).error,
            SigV4Error::kUnknownKey);
  const std::vector<std::pair<std::string, std::string>> malformed = {
      {"authorization",
       "AWS4-HMAC-SHA256 Credential=AK/2013/us/s3/aws4_request,SignedHeaders=host,"
       "Signature=" +
           std::string(64, 'a')},
      {"authorization", "AWS4-HMAC-SHA256 SignedHeaders=host,Signature=" + std::string(64, 'a')},
      {"authorization", AuthHeader("host;range", std::string(63, 'a'))},
      {"authorization", AuthHeader("host;Range", std::string(64, 'a'))},
      {"authorization", AuthHeader("range;x-amz-date", std::string(64, 'a'))},  // host unsigned
      {"authorization", AuthHeader("host;x-missing", std::string(64, 'a'))},
      {"x-amz-date", "2013-05-24T00:00:00Z"},
      {"x-amz-date", "20130525T000000Z"},  // not the credential's date
      {"x-amz-content-sha256", "abc"},
  };
  for (const auto& [name, value] : malformed) {
    auto bad = h;
    bad[name] = value;
    SigV4Verdict v = VerifySigV4("GET", "/test.txt", bad, Secrets(), kExampleNow);
    EXPECT_EQ(v.error, SigV4Error::kMalformed) << name << ": " << value;
    EXPECT_FALSE(v.message.empty());
  }
  // Without x-amz-content-sha256, a request with a body cannot be verified
  // at its head; one without signs the empty body's hash (the signature
  // then differs from AWS's example, which signed the header).
  auto no_hash = h;
  no_hash.erase("x-amz-content-sha256");
  no_hash["content-length"] = "5";
  EXPECT_EQ(VerifySigV4("GET", "/test.txt", no_hash, Secrets(), kExampleNow).error,
            SigV4Error::kMalformed);
  no_hash.erase("content-length");
  EXPECT_EQ(VerifySigV4("GET", "/test.txt", no_hash, Secrets(), kExampleNow).error,
            SigV4Error::kMalformed);  // the example signed x-amz-content-sha256, now missing
  EXPECT_EQ(VerifySigV4("GET", "/test%zz", h, Secrets(), kExampleNow).error,
            SigV4Error::kMalformed);
}

TEST(SigV4Test, WhatTheSignerSignsVerifies) {
  SigV4Credential scope;
  scope.access_key = std::string(kAccessKey);
  scope.region = "eu-west-3";
  scope.service = "s3";
  const int64_t now = 1796222357;
  for (std::string_view target :
       {"/v1/fs/a%20b?op=append", "/v1/fs/x", "/v1/uploads?path=%2Fteam"}) {
    SigV4Headers h = SignSigV4("POST", target, "127.0.0.1:8080", ToHex(Sha256("body")), scope,
                               kExampleSecret, now);
    SigV4Verdict v = VerifySigV4("POST", target, h, Secrets(), now + 60);
    EXPECT_EQ(v.error, SigV4Error::kOk) << target << ": " << v.message;
    EXPECT_EQ(v.payload.sha256, Sha256("body"));
    EXPECT_EQ(VerifySigV4("PUT", target, h, Secrets(), now).error, SigV4Error::kBadSignature);
  }
}

TEST(SigV4Test, DatesParse) {
  EXPECT_EQ(ParseAmzDate("20130524T000000Z"), kExampleNow);
  EXPECT_FALSE(ParseAmzDate("20131324T000000Z"));
  EXPECT_FALSE(ParseAmzDate("2013052T000000Z"));
  EXPECT_EQ(PercentEncode("a b/ü~", true), "a%20b/%C3%BC~");
  EXPECT_EQ(PercentEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(*PercentDecode("a%2fb+c"), "a/b+c");
  EXPECT_FALSE(PercentDecode("a%2").ok());
  EXPECT_FALSE(PercentDecode("a%g0").ok());
}

// "Transferring Payload in Multiple Chunks": 66560 bytes of 'a' in chunks
// of 65536, 1024 and 0, each signed in a chain from the seed signature.
struct ChunkedExample {
  SigV4Headers headers = {
      {"host", "s3.amazonaws.com"},
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
      {"content-encoding", "aws-chunked"},
      {"x-amz-decoded-content-length", "66560"},
      {"content-length", "66824"},
      {"authorization",
       AuthHeader("content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
                  "x-amz-decoded-content-length;x-amz-storage-class",
                  "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")}};
  std::string body =
      "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" +
      std::string(65536, 'a') +
      "\r\n400;chunk-signature="
      "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" +
      std::string(1024, 'a') +
      "\r\n0;chunk-signature="
      "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n";
  PayloadCheck Check() const {
    SigV4Verdict v =
        VerifySigV4("PUT", "/examplebucket/chunkObject.txt", headers, Secrets(), kExampleNow);
    EXPECT_EQ(v.error, SigV4Error::kOk) << v.message;
    EXPECT_EQ(v.payload.kind, PayloadCheck::Kind::kChunked);
    return v.payload;
  }
};

TEST(AwsChunkedTest, AwsExampleDecodesInAnySlices) {
  ChunkedExample ex;
  ASSERT_EQ(ex.body.size(), 66824u);
  for (size_t slice : {size_t{1}, size_t{7}, size_t{4096}, ex.body.size()}) {
    AwsChunkedDecoder d(ex.Check());
    std::string out;
    for (size_t at = 0; at < ex.body.size(); at += slice) {
      Status st = d.Feed(std::string_view(ex.body).substr(at, slice), &out);
      ASSERT_TRUE(st.ok()) << slice << ": " << st.ToString();
    }
    ASSERT_TRUE(d.Finish().ok()) << d.Finish().ToString();
    EXPECT_EQ(out, std::string(66560, 'a'));
  }
}

TEST(AwsChunkedTest, AChangedChunkOrACutBodyFails) {
  ChunkedExample ex;
  std::string changed = ex.body;
  changed[100] = 'b';
  AwsChunkedDecoder d(ex.Check());
  std::string out;
  Status st = d.Feed(changed, &out);
  EXPECT_EQ(st.code(), Code::kUnauthorized) << st.ToString();
  EXPECT_EQ(d.Finish().code(), Code::kUnauthorized);

  AwsChunkedDecoder cut(ex.Check());
  out.clear();
  ASSERT_TRUE(cut.Feed(std::string_view(ex.body).substr(0, 66000), &out).ok());
  EXPECT_EQ(cut.Finish().code(), Code::kBadRequest);

  // Bytes after the last chunk.
  AwsChunkedDecoder extra(ex.Check());
  out.clear();
  EXPECT_FALSE(extra.Feed(ex.body + "x", &out).ok());

  const std::vector<std::string> malformed = {
      "zz;chunk-signature=" + std::string(64, 'a') + "\r\n",
      "10\r\n",                                            // no signature
      "1;chunk-signature=" + std::string(64, 'a') + "\n",  // LF only
      std::string(5000, '1'),                              // a header line without end
  };
  for (const auto& m : malformed) {
    AwsChunkedDecoder bad(ex.Check());
    out.clear();
    EXPECT_EQ(bad.Feed(m, &out).code(), Code::kBadRequest) << m.substr(0, 40);
  }
}

// The trailer variants, built here with the same chain: unsigned chunks
// with a checksum trailer, and signed chunks with a signed trailer.
TEST(AwsChunkedTest, TrailerVariants) {
  PayloadCheck unsigned_check;
  unsigned_check.kind = PayloadCheck::Kind::kChunked;
  unsigned_check.trailer = true;
  AwsChunkedDecoder u(unsigned_check);
  std::string out;
  ASSERT_TRUE(u.Feed("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", &out).ok());
  ASSERT_TRUE(u.Finish().ok());
  EXPECT_EQ(out, "hello");
  EXPECT_EQ(u.trailers().at("x-amz-checksum-crc32"), "NhCmhg==");

  PayloadCheck s;
  s.kind = PayloadCheck::Kind::kChunked;
  s.chunk_signatures = true;
  s.trailer = true;
  s.signing_key = "k";
  s.amz_date = "20130524T000000Z";
  s.scope = "20130524/us-east-1/s3/aws4_request";
  s.seed_signature = std::string(64, '0');
  auto chunk_sig = [&](const std::string& prev, std::string_view data) {
    return HexHmac(s.signing_key, "AWS4-HMAC-SHA256-PAYLOAD\n" + s.amz_date + "\n" + s.scope +
                                      "\n" + prev + "\n" + ToHex(Sha256("")) + "\n" +
                                      ToHex(Sha256(data)));
  };
  std::string s1 = chunk_sig(s.seed_signature, "hello");
  std::string s2 = chunk_sig(s1, "");
  std::string trailer = "x-amz-checksum-crc32:NhCmhg==\n";
  std::string ts = HexHmac(s.signing_key, "AWS4-HMAC-SHA256-TRAILER\n" + s.amz_date + "\n" +
                                              s.scope + "\n" + s2 + "\n" + ToHex(Sha256(trailer)));
  std::string body = "5;chunk-signature=" + s1 + "\r\nhello\r\n0;chunk-signature=" + s2 +
                     "\r\nx-amz-checksum-crc32:NhCmhg==\r\nx-amz-trailer-signature:" + ts +
                     "\r\n\r\n";
  AwsChunkedDecoder good(s);
  out.clear();
  ASSERT_TRUE(good.Feed(body, &out).ok());
  ASSERT_TRUE(good.Finish().ok()) << good.Finish().ToString();
  EXPECT_EQ(out, "hello");
  std::string forged = body;
  forged.replace(forged.find("NhCmhg=="), 8, "AAAAAA==");
  AwsChunkedDecoder bad(s);
  out.clear();
  EXPECT_EQ(bad.Feed(forged, &out).code(), Code::kUnauthorized);
}

}  // namespace
}  // namespace walfs
