#include "client/http_client.h"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "core/path.h"

namespace walfs {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpClient::Impl {
  std::string host, port;
  int timeout_ms;
  asio::io_context ioc;
  std::unique_ptr<tcp::socket> socket;
  beast::flat_buffer buf;

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
    return Status::Ok();
  }

  Result<ClientResponse> Once(const http::request<http::string_body>& req) {
    boost::system::error_code ec;
    http::write(*socket, req, ec);
    // A server may answer (413) and close before it read the whole body:
    // still read its answer.
    boost::system::error_code send_ec = ec;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<uint64_t>::max());
    parser.header_limit(1 << 20);
    if (req.method() == http::verb::head) parser.skip(true);
    http::read(*socket, buf, parser, ec);
    if (ec && send_ec) return Status(Code::kIoError, "send: " + send_ec.message());
    if (ec) return Status(Code::kIoError, "receive: " + ec.message());
    auto res = parser.release();
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) socket.reset();
    return out;
  }
};

HttpClient::HttpClient(std::string base, int timeout_ms) : impl_(std::make_unique<Impl>()) {
  if (base.rfind("http://", 0) == 0) base = base.substr(7);
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto colon = base.rfind(':');
  impl_->host = colon == std::string::npos ? base : base.substr(0, colon);
  impl_->port = colon == std::string::npos ? "80" : base.substr(colon + 1);
  impl_->timeout_ms = timeout_ms;
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

Result<ClientResponse> HttpClient::Request(const std::string& method, const std::string& target,
                                           const std::string& body,
                                           const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, impl_->host);
  req.set(http::field::user_agent, "walfs-client");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  req.keep_alive(true);
  // A kept-alive connection may have been closed by the server while idle:
  // retry once on a fresh connection, but only reads, which are safe to
  // repeat (a write may have reached the server; its caller decides).
  bool retry_ok = method == "GET" || method == "HEAD";
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = impl_->socket == nullptr;
    if (fresh) WALFS_RETURN_IF_ERROR(impl_->Connect());
    auto r = impl_->Once(req);
    if (r.ok() || fresh || !retry_ok) {
      if (!r.ok()) impl_->socket.reset();
      return r;
    }
    impl_->socket.reset();
  }
  return Status(Code::kIoError, "the server closed the connection");
}

Result<ClientResponse> HttpClient::GetStreaming(const std::string& target, const Sink& sink,
                                                const std::map<std::string, std::string>& headers) {
  impl_->socket.reset();  // a fresh connection: the body is consumed as it streams
  WALFS_RETURN_IF_ERROR(impl_->Connect());
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, impl_->host);
  req.set(http::field::user_agent, "walfs-client");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.keep_alive(false);
  boost::system::error_code ec;
  http::write(*impl_->socket, req, ec);
  if (ec) return Status(Code::kIoError, "send: " + ec.message());
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  http::read_header(*impl_->socket, impl_->buf, parser, ec);
  if (ec) return Status(Code::kIoError, "receive: " + ec.message());
  ClientResponse out;
  out.status = static_cast<int>(parser.get().result_int());
  for (const auto& f : parser.get()) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  bool ok_status = out.status >= 200 && out.status < 300;
  std::vector<char> chunk(256 << 10);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    http::read(*impl_->socket, impl_->buf, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return Status(Code::kIoError, "receive: " + ec.message());
    std::string_view got(chunk.data(), chunk.size() - parser.get().body().size);
    if (!ok_status) {
      out.body.append(got);
    } else if (!got.empty() && !sink(out, got)) {
      impl_->socket.reset();
      return Status(Code::kIoError, "the output stopped taking data");
    }
  }
  impl_->socket.reset();
  return out;
}

std::string EncodePath(std::string_view path) { return PercentEncode(path, true); }
std::string EncodeQueryValue(std::string_view v) { return PercentEncode(v, false); }

}  // namespace walfs
