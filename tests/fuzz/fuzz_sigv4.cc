// libFuzzer target: SigV4 verification and aws-chunked decoding. Input: a
// method line, a target line, "name: value" header lines, an empty line,
// then the body. Verification never crashes and never says ok for a
// request the example secret did not sign (the seeds are AWS's signed
// examples; mutations of what is signed must fail). A chunked body decodes
// to no more bytes than it has, the same in one piece or in two.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/aws_chunked.h"
#include "auth/sigv4.h"

namespace {

bool NextLine(std::string_view* in, std::string_view* line) {
  size_t nl = in->find('\n');
  if (nl == std::string_view::npos) return false;
  *line = in->substr(0, nl);
  in->remove_prefix(nl + 1);
  return true;
}

void Decode(const walfs::PayloadCheck& check, std::string_view body) {
  walfs::AwsChunkedDecoder whole(check), halves(check);
  std::string a, b;
  walfs::Status sa = whole.Feed(body, &a);
  walfs::Status sb = halves.Feed(body.substr(0, body.size() / 2), &b);
  if (sb.ok()) sb = halves.Feed(body.substr(body.size() / 2), &b);
  if (a.size() > body.size() || b.size() > body.size()) std::abort();
  if (sa.ok() != sb.ok() || whole.Finish().ok() != halves.Finish().ok()) std::abort();
  if (whole.Finish().ok() && a != b) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  std::string_view in = all;
  std::string_view method, target, line;
  if (!NextLine(&in, &method) || !NextLine(&in, &target)) {
    // Framing alone, without signatures.
    walfs::PayloadCheck check;
    check.kind = walfs::PayloadCheck::Kind::kChunked;
    check.trailer = size % 2 == 1;
    Decode(check, all);
    return 0;
  }
  walfs::SigV4Headers headers;
  while (NextLine(&in, &line) && !line.empty()) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view v = line.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    headers[std::string(line.substr(0, colon))] = std::string(v);
  }
  if (walfs::DetectSigV4(headers, target) == walfs::SigV4Form::kNone) return 0;
  auto secrets = [](std::string_view key) -> std::optional<std::string> {
    if (key == "AKIAIOSFODNN7EXAMPLE")
      return std::string("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    return std::nullopt;
  };
  walfs::SigV4Verdict v = walfs::VerifySigV4(method, target, headers, secrets, 1369353600);
  if (v.error != walfs::SigV4Error::kOk) {
    if (v.message.empty()) std::abort();
    return 0;
  }
  if (v.payload.kind == walfs::PayloadCheck::Kind::kChunked) Decode(v.payload, in);
  return 0;
}
