#include "client/http_client.h"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "core/path.h"

namespace walfs {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct HttpClient::Impl {
  std::string host, port;
  bool tls = false;
  std::string token, cacert;
  int timeout_ms = 30000;
  bool follow_redirects = false;
  asio::io_context ioc;
  std::unique_ptr<tcp::socket> socket;  // plain, or under tls_stream
  std::unique_ptr<ssl::context> tls_context;
  // Beast's: a request's buffers go out as one TLS record, not one each.
  std::unique_ptr<beast::ssl_stream<tcp::socket&>> tls_stream;
  beast::flat_buffer buf;

  bool connected() const { return socket != nullptr; }
  void Reset() {
    tls_stream.reset();
    socket.reset();
  }
  // Calls f with the stream a request goes over.
  template <class F>
  auto On(F&& f) {
    return tls_stream ? f(*tls_stream) : f(*socket);
  }

  Status Connect() {
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, port, ec);
    if (ec) return Status(Code::kIoError, "cannot resolve " + host + ": " + ec.message());
    socket = std::make_unique<tcp::socket>(ioc);
    asio::connect(*socket, results, ec);
    if (ec) {
      socket.reset();
      return Status(Code::kIoError, "cannot connect to " + host + ":" + port + ": " + ec.message());
    }
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(socket->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(socket->native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    socket->set_option(tcp::no_delay(true), ec);
    buf.clear();
    // Beast reads as much as the buffer has room for, at least 512 bytes
    // and at most 64 KiB: an empty buffer of 512 bytes made every body
    // arrive 512 bytes a system call (262,144 calls for 128 MiB).
    buf.reserve(64 << 10);
    if (tls) return Handshake();
    return Status::Ok();
  }

  Status Handshake() {
    boost::system::error_code ec;
    if (!tls_context) {
      tls_context = std::make_unique<ssl::context>(ssl::context::tls_client);
      tls_context->set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                               ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      if (cacert.empty()) {
        tls_context->set_default_verify_paths(ec);
      } else {
        tls_context->load_verify_file(cacert, ec);
      }
      if (ec) {
        tls_context.reset();
        return Status(Code::kIoError,
                      "cannot load the CA certificates " +
                          (cacert.empty() ? std::string("of the system") : "from " + cacert) +
                          ": " + ec.message());
      }
      tls_context->set_verify_mode(ssl::verify_peer);
    }
    tls_stream = std::make_unique<beast::ssl_stream<tcp::socket&>>(*socket, *tls_context);
    tls_stream->set_verify_callback(ssl::host_name_verification(host));
    // SNI, for a name (not for an IP address).
    boost::system::error_code not_ip;
    asio::ip::make_address(host, not_ip);
    if (not_ip) SSL_set_tlsext_host_name(tls_stream->native_handle(), host.c_str());
    tls_stream->handshake(ssl::stream_base::client, ec);
    if (ec) {
      Reset();
      return Status(Code::kIoError,
                    "TLS handshake with " + host + ":" + port + " failed: " + ec.message() +
                        (cacert.empty() ? " (give the server's CA with --cacert)" : ""));
    }
    return Status::Ok();
  }

  template <class Request>
  void Prepare(Request& req) {
    // RFC 9110 section 7.2: the port too, unless it is the scheme's default.
    bool default_port = port == (tls ? "443" : "80");
    bool v6 = host.find(':') != std::string::npos;
    std::string h = v6 ? "[" + host + "]" : host;
    req.set(http::field::host, default_port ? h : h + ":" + port);
    req.set(http::field::user_agent, "walfs-client");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  }

  Result<ClientResponse> Once(const http::request<http::string_body>& req) {
    boost::system::error_code ec;
    On([&](auto& s) { http::write(s, req, ec); });
    // A server may answer (413) and close before it read the whole body:
    // still read its answer.
    boost::system::error_code send_ec = ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    parser.header_limit(1 << 20);
    if (req.method() == http::verb::head) parser.skip(true);
    On([&](auto& s) { http::read(s, buf, parser, ec); });
    if (ec && send_ec) return Status(Code::kIoError, "send: " + send_ec.message());
    if (ec) return Status(Code::kIoError, "receive: " + ec.message());
    auto res = parser.release();
    ClientResponse out = Head(res);
    out.body = std::move(res.body());
    if (!res.keep_alive()) Reset();
    return out;
  }

  // Once, for a GET whose 2xx body goes into *body (its capacity reused).
  Result<ClientResponse> OnceInto(const http::request<http::empty_body>& req, std::string* body) {
    boost::system::error_code ec;
    On([&](auto& s) { http::write(s, req, ec); });
    if (ec) return Status(Code::kIoError, "send: " + ec.message());
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    parser.header_limit(1 << 20);
    On([&](auto& s) { http::read_header(s, buf, parser, ec); });
    if (ec) return Status(Code::kIoError, "receive: " + ec.message());
    ClientResponse out = Head(parser.get());
    std::string& dst = out.status >= 200 && out.status < 300 ? *body : out.body;
    if (&dst != body) body->clear();
    // Sized once from Content-Length (a lying server gets at most 16 MiB
    // before it must send them), then doubled as bytes come; bytes there
    // already are overwritten, not cleared first.
    dst.resize(
        static_cast<size_t>(std::min<uint64_t>(parser.content_length().value_or(0), 16 << 20)));
    size_t have = 0;
    while (!parser.is_done()) {
      if (dst.size() == have) dst.resize(have + std::max<size_t>(have, 64 << 10));
      parser.get().body().data = dst.data() + have;
      parser.get().body().size = dst.size() - have;
      On([&](auto& s) { http::read(s, buf, parser, ec); });
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return Status(Code::kIoError, "receive: " + ec.message());
      have = dst.size() - parser.get().body().size;
    }
    dst.resize(have);
    if (!parser.keep_alive()) Reset();
    return out;
  }

  // An answer's status and headers (names in lower case).
  template <class Fields>
  static ClientResponse Head(const http::response_header<Fields>& res) {
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    return out;
  }

  // A kept-alive connection may have been closed by the server while idle:
  // once retries on a fresh connection, if retry_ok (reads, which are safe
  // to repeat; a write may have reached the server, its caller decides).
  template <class F>
  Result<ClientResponse> WithRetry(bool retry_ok, F once) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool fresh = !connected();
      if (fresh) WALFS_RETURN_IF_ERROR(Connect());
      auto r = once();
      if (r.ok() || fresh || !retry_ok) {
        if (!r.ok()) Reset();
        return r;
      }
      Reset();
    }
    return Status(Code::kIoError, "the server closed the connection");
  }
};

namespace {

struct Endpoint {
  bool tls = false;
  std::string host, port;
};

Endpoint ParseBase(std::string base) {
  Endpoint e;
  if (base.rfind("https://", 0) == 0) {
    e.tls = true;
    base = base.substr(8);
  } else if (base.rfind("http://", 0) == 0) {
    base = base.substr(7);
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto colon = base.rfind(':');
  e.host = colon == std::string::npos ? base : base.substr(0, colon);
  e.port = colon == std::string::npos ? (e.tls ? "443" : "80") : base.substr(colon + 1);
  if (e.host.size() > 2 && e.host.front() == '[' && e.host.back() == ']') {
    e.host = e.host.substr(1, e.host.size() - 2);
  }
  return e;
}

}  // namespace

HttpClient::HttpClient(const ClientOptions& o) : impl_(std::make_unique<Impl>()) {
  Endpoint e = ParseBase(o.server);
  impl_->host = e.host;
  impl_->port = e.port;
  impl_->tls = e.tls;
  impl_->token = o.token;
  impl_->cacert = o.cacert;
  impl_->timeout_ms = o.timeout_ms;
  impl_->follow_redirects = o.follow_redirects;
}

std::optional<std::pair<ClientOptions, std::string>> HttpClient::RedirectOf(
    const ClientResponse& r) const {
  if (!impl_->follow_redirects || (r.status != 307 && r.status != 308)) return std::nullopt;
  std::string loc = r.header("location");
  std::string scheme = impl_->tls ? "https://" : "http://";
  if (loc.rfind(scheme, 0) != 0) return std::nullopt;  // never to another scheme
  size_t slash = loc.find('/', scheme.size());
  if (slash == std::string::npos) return std::nullopt;
  ClientOptions o{loc.substr(0, slash), impl_->token, impl_->cacert, impl_->timeout_ms, false};
  return std::make_pair(o, loc.substr(slash));
}

HttpClient::HttpClient(std::string base, int timeout_ms)
    : HttpClient(ClientOptions{std::move(base), "", "", timeout_ms, false}) {}

bool TokenInClear(const ClientOptions& o) {
  Endpoint e = ParseBase(o.server);
  if (o.token.empty() || e.tls) return false;
  if (e.host == "localhost") return false;
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(e.host, ec);
  return ec || !addr.is_loopback();
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<ClientResponse> HttpClient::Request(const std::string& method, const std::string& target,
                                           const std::string& body,
                                           const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  impl_->Prepare(req);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  req.keep_alive(true);
  auto r = impl_->WithRetry(method == "GET" || method == "HEAD", [&] { return impl_->Once(req); });
  for (int hop = 0; hop < 3 && r.ok(); ++hop) {
    auto to = RedirectOf(*r);
    if (!to) break;
    r = HttpClient(to->first).Request(method, to->second, body, headers);
  }
  return r;
}

Result<ClientResponse> HttpClient::GetInto(const std::string& target, std::string* body,
                                           const std::map<std::string, std::string>& headers) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  impl_->Prepare(req);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.keep_alive(true);
  auto r = impl_->WithRetry(true, [&] { return impl_->OnceInto(req, body); });
  for (int hop = 0; hop < 3 && r.ok(); ++hop) {
    auto to = RedirectOf(*r);
    if (!to) break;
    r = HttpClient(to->first).GetInto(to->second, body, headers);
  }
  return r;
}

Result<ClientResponse> HttpClient::GetStreaming(const std::string& target, const Sink& sink,
                                                const std::map<std::string, std::string>& headers,
                                                bool live) {
  impl_->Reset();  // a fresh connection: the body is consumed as it streams
  WALFS_RETURN_IF_ERROR(impl_->Connect());
  http::request<http::empty_body> req{http::verb::get, target, 11};
  impl_->Prepare(req);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.keep_alive(false);
  boost::system::error_code ec;
  impl_->On([&](auto& s) { http::write(s, req, ec); });
  if (ec) return Status(Code::kIoError, "send: " + ec.message());
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  impl_->On([&](auto& s) { http::read_header(s, impl_->buf, parser, ec); });
  if (ec) return Status(Code::kIoError, "receive: " + ec.message());
  ClientResponse out = Impl::Head(parser.get());
  bool ok_status = out.status >= 200 && out.status < 300;
  std::vector<char> chunk(256 << 10);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    if (live) {
      impl_->On([&](auto& s) { http::read_some(s, impl_->buf, parser, ec); });
    } else {
      impl_->On([&](auto& s) { http::read(s, impl_->buf, parser, ec); });
    }
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return Status(Code::kIoError, "receive: " + ec.message());
    std::string_view got(chunk.data(), chunk.size() - parser.get().body().size);
    if (!ok_status) {
      out.body.append(got);
    } else if (!got.empty() && !sink(out, got)) {
      impl_->Reset();
      return Status(Code::kIoError, "the output stopped taking data");
    }
  }
  impl_->Reset();
  // A redirect's body is not the file: nothing of it reached the sink.
  if (auto to = RedirectOf(out))
    return HttpClient(to->first).GetStreaming(to->second, sink, headers, live);
  return out;
}

std::string EncodePath(std::string_view path) { return PercentEncode(path, true); }
std::string EncodeQueryValue(std::string_view v) { return PercentEncode(v, false); }

}  // namespace walfs
