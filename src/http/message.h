// From a parsed Beast HTTP message to the request Api::Handle takes, and the
// body limit by route: shared by the HTTP server and the request fuzzer, so
// that the fuzzer parses exactly what the server parses.
// Thread-safety: pure functions.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <string_view>

#include "http/request.h"
#include "replica/options.h"

namespace walfs {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Method, target, headers (names in lower case; a repeated header keeps its
// last value) and body.
HttpRequest FromMessage(BeastRequest&& msg);
// The same without a body (a body that is streamed: BodyReader).
HttpRequest FromHeader(const boost::beast::http::request_header<>& h);

// The largest body a request to target may carry: one write's data, or for
// a transaction its JSON (base64 data is 4/3 of the bytes, plus room). With
// streamed: a body streamed into an upload (a part, or a file of any size).
uint64_t BodyLimit(std::string_view target, const ServerOptions& o, bool streamed = false);

}  // namespace walfs
