// libFuzzer target: the S3 request parser, the checksum headers and the
// XML reader. The input is a method line, a Host line and a target line,
// then an XML document. It never crashes; a request it accepts names a
// bucket that passes S3's rules and, for an object, a path under that
// bucket that is canonical; the Host and target lines as x-amz-trailer and
// a checksum header give at most one checksum, named x-amz-checksum-*, with
// a valid value unless it comes in a trailer; an XML document it accepts is
// read again the same after being written back.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/path.h"
#include "s3/checksum.h"
#include "s3/s3_request.h"
#include "s3/xml.h"

namespace {

std::string_view Line(std::string_view* in) {
  size_t nl = in->find('\n');
  std::string_view l = in->substr(0, nl);
  in->remove_prefix(nl == std::string_view::npos ? in->size() : nl + 1);
  return l;
}

void Write(walfs::XmlWriter& w, const walfs::XmlElement& e) {
  w.Open(e.name);
  if (!e.text.empty()) w.Text(e.text);
  for (const auto& c : e.children) Write(w, c);
  w.Close();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  walfs::HttpRequest req;
  req.method = std::string(Line(&in));
  req.headers["host"] = std::string(Line(&in));
  req.target = std::string(Line(&in));
  auto p = walfs::ParseS3Request(req, "s3.example.com");
  if (auto* r = std::get_if<walfs::S3Request>(&p)) {
    if (!r->bucket.empty() && walfs::CheckBucketName(r->bucket)) std::abort();
    if (!r->key.empty()) {
      auto again = walfs::NormalizePath(r->path);
      if (!again.ok() || *again != r->path) std::abort();
      if (r->path.compare(0, r->bucket.size() + 2, "/" + r->bucket + "/") != 0) std::abort();
    }
  } else if (std::get<walfs::S3Error>(p).code.empty()) {
    std::abort();
  }
  walfs::HeaderMap h{{"x-amz-trailer", req.headers["host"]}};
  h[req.method.size() % 2 ? "x-amz-checksum-sha256" : "x-amz-checksum-crc32"] = req.target;
  auto c = walfs::ChecksumOf(h);
  if (auto* got = std::get_if<0>(&c); got && *got) {
    const walfs::RequestedChecksum& sum = **got;
    if (sum.header.rfind("x-amz-checksum-", 0) != 0) std::abort();
    if (!sum.trailer && !walfs::ValidChecksumValue(sum.kind, sum.value)) std::abort();
  }
  auto doc = walfs::ParseXml(in);
  if (doc) {
    walfs::XmlWriter w(doc->name, "");
    if (!doc->text.empty()) w.Text(doc->text);
    for (const auto& c : doc->children) Write(w, c);
    auto again = walfs::ParseXml(w.Finish());
    if (!again || again->name != doc->name || again->children.size() != doc->children.size()) {
      std::abort();
    }
  }
  return 0;
}
