// HttpClient: a small blocking HTTP/1.1 client for one walfs server, over
// TCP or TLS (https://, verified against --cacert or the system's CAs, the
// name or IP address checked against the certificate), sending a bearer
// token when given one.
//
// Keeps one connection alive and reconnects when the server closed it.
// Used by the CLI and by the integration tests.
// Thread-safety: one instance per thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/status.h"

namespace walfs {

struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// How to reach a server, and as whom.
struct ClientOptions {
  std::string server = "http://127.0.0.1:8080";  // http://HOST:PORT, https://HOST:PORT
  std::string token;                             // sent as Authorization: Bearer
  std::string cacert;  // PEM file of the CAs to trust for https (empty: the system's)
  int timeout_ms = 30000;
  // Follow a 307 (a replica redirecting to one that serves a path's
  // volume, operations.md) to a server of the same scheme (Request and
  // GetInto up to 3 hops, GetStreaming one); off: the 307 is the answer.
  bool follow_redirects = false;
};

class HttpClient {
 public:
  explicit HttpClient(const ClientOptions& o);
  // base: "http://host:port", "https://host:port" (or "host:port").
  explicit HttpClient(std::string base, int timeout_ms = 30000);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  // kLogUnavailable-free: transport failures are kIoError with the reason.
  Result<ClientResponse> Request(const std::string& method, const std::string& target,
                                 const std::string& body = "",
                                 const std::map<std::string, std::string>& headers = {});
  Result<ClientResponse> Get(const std::string& target) { return Request("GET", target); }

  // A GET whose 2xx body is read into *body, reusing its capacity (a reader
  // fetching window after window keeps one buffer instead of a fresh
  // allocation each, whose pages the kernel would fault in again); the
  // answer's body is empty then. Another status's body is in the answer.
  Result<ClientResponse> GetInto(const std::string& target, std::string* body,
                                 const std::map<std::string, std::string>& headers = {});

  // A GET whose body is passed to sink chunk by chunk as it arrives, never
  // held whole; a non-2xx answer's body is returned in the response instead.
  // The sink sees the answer's status and headers with each chunk; false stops.
  // live: each chunk as soon as it arrives (a watch's events, a followed
  // file), not once the buffer is full.
  using Sink = std::function<bool(const ClientResponse& head, std::string_view chunk)>;
  Result<ClientResponse> GetStreaming(const std::string& target, const Sink& sink,
                                      const std::map<std::string, std::string>& headers = {},
                                      bool live = false);

 private:
  // Where a 307 answer sends the request again (server, target), if it is
  // to be followed.
  std::optional<std::pair<ClientOptions, std::string>> RedirectOf(const ClientResponse& r) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True if server (a URL) is http:// to a host other than loopback: a token
// sent there crosses the network in clear.
bool TokenInClear(const ClientOptions& o);

// Percent-encodes a path for /v1/fs/ (keeps '/' and unreserved bytes).
std::string EncodePath(std::string_view path);
// Percent-encodes a query value.
std::string EncodeQueryValue(std::string_view v);

}  // namespace walfs
