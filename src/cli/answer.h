// What the file commands share: printing an answer (the body, or the
// server's error on stderr) as an exit code, and reading a command's input
// (a local file, or - for stdin).
#pragma once

#include <string>

#include "client/http_client.h"

namespace walfs::cli {

// 0 for a 2xx answer (its body printed if print_body), 1 otherwise, with
// the server's message (or the transport error) on stderr.
int PrintAnswer(const Result<ClientResponse>& r, bool print_body);
// The bytes of source (a path, or - for stdin); false, said on stderr, if
// it cannot be read.
bool ReadSource(const std::string& source, std::string* out);

}  // namespace walfs::cli
