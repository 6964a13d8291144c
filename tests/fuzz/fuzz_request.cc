// libFuzzer target: the HTTP request handler's parsing, from raw bytes,
// without sockets. The input is an HTTP/1.1 request as a client would send
// it; it goes through Beast's request parser with the server's limits (the
// header limit, then the body limit chosen by route once the header is in,
// as HttpServer does), the server's message conversion, and ParseRequest.
// Properties: nothing crashes or hangs; every refusal maps to one of the
// contract's statuses; an accepted write's entry survives encoding (it
// decodes to the bytes that go to the log) and stays within the limits.
//
// Api::Handle itself (proposing, waiting, answering) is Asio coroutine code
// that clang 14 cannot compile with the fuzzer's sanitizers (an LLVM error,
// "Cannot represent a difference across sections"); the integration and
// fault tests exercise it instead.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "codec/entry.h"
#include "http/message.h"
#include "http/util.h"

namespace {

const walfs::ServerOptions& Options() {
  static const walfs::ServerOptions o = [] {
    walfs::ServerOptions x;
    x.entry_bytes_max = 64 << 10;  // small limits, so that inputs can cross them
    x.header_bytes_max = 4 << 10;
    return x;
  }();
  return o;
}

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace http = boost::beast::http;
  const walfs::ServerOptions& o = Options();
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(o.header_bytes_max));
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  parser.eager(false);  // stop after the header, as async_read_header does
  boost::system::error_code ec;
  auto in = boost::asio::const_buffer(data, size);
  while (in.size() > 0 && !parser.is_header_done() && !ec) in += parser.put(in, ec);
  if (ec || !parser.is_header_done()) return 0;  // the server closes the connection
  auto target = parser.get().target();
  uint64_t limit = walfs::BodyLimit(std::string_view(target.data(), target.size()), o);
  if (parser.content_length() && *parser.content_length() > limit) return 0;  // 413 before the body
  parser.body_limit(limit);
  parser.eager(true);
  while (in.size() > 0 && !parser.is_done() && !ec) in += parser.put(in, ec);
  if (!parser.is_done() && !ec) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // 413 past the limit, or a malformed body
  walfs::HttpRequest req = walfs::FromMessage(parser.release());
  auto p = walfs::ParseRequest(req, o);
  if (!p.ok()) {
    // The contract's statuses, and 405 (docs/api.md adds it for a method a path does not take).
    static const std::set<int> kContract = {400, 404, 405, 409, 412, 413, 416, 422, 503, 504};
    Check(kContract.count(walfs::HttpStatusFor(p.status().code())) == 1);
    return 0;
  }
  if (p->route == walfs::Route::kFsWrite || p->route == walfs::Route::kTx) {
    std::string bytes = walfs::EncodeEntry(p->write.entry);
    auto back = walfs::DecodeEntry(bytes, 1 << 30);
    Check(back.ok() && walfs::EncodeEntry(back->entry) == bytes);
    Check(p->write.entry.ops.size() <= walfs::kMaxOpsPerEntry);
    Check(p->write.entry.conditions.size() <= walfs::kMaxConditionsPerEntry);
  }
  return 0;
}
