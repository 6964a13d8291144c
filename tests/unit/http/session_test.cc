// The HTTP session in memory: RunSession over beast::test::stream (no
// socket), in front of a real ServerNode on an in-memory log. Keep-alive,
// the contract's answers to malformed requests (400, 414, 431), bodies over
// the limit answered 413 before they are read, the probes kept past the
// connection limit, file bodies streamed in chunks, and the idle timeout.
#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "http/session.h"
#include "node/server_node.h"
#include "support/process.h"

namespace walfs {

// In memory, closing is all there is: the peer reads end-of-stream, and
// whatever this end has pending ends.
template <>
struct StreamOps<boost::beast::test::stream> {
  static void Close(boost::beast::test::stream& s) { s.close(); }
  static void ShutdownSend(boost::beast::test::stream& s) { s.close(); }
  static void LimitSendBuffer(boost::beast::test::stream&, int) {}
};

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using nlohmann::json;

struct Reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  json Json() const { return json::parse(body, nullptr, false); }
};

// Every response in what the server wrote, in order; the n-th answers a
// HEAD if n is in heads (its Content-Length announces no body).
std::vector<Reply> ParseReplies(std::string_view bytes, const std::set<size_t>& heads = {}) {
  std::vector<Reply> out;
  while (!bytes.empty()) {
    http::response_parser<http::string_body> p;
    p.skip(heads.count(out.size()) == 1);
    p.body_limit(1 << 30);
    p.eager(true);
    boost::system::error_code ec;
    size_t used = p.put(asio::buffer(bytes.data(), bytes.size()), ec);
    // A 100 Continue, or a response whose header and body arrive in parts.
    while (!ec && !p.is_done() && used < bytes.size()) {
      used += p.put(asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    }
    if (ec || !p.is_done()) {
      ADD_FAILURE() << "unparsable response: " << ec.message() << " in " << bytes;
      break;
    }
    Reply r;
    r.status = p.get().result_int();
    r.body = p.get().body();
    for (const auto& f : p.get()) r.headers[std::string(f.name_string())] = std::string(f.value());
    out.push_back(std::move(r));
    bytes.remove_prefix(used);
  }
  return out;
}

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    opts_.data_dir = dir_.path();
    opts_.log_url = "memory";
    opts_.replica_id = "r1";
    opts_.store_reserve_bytes = 0;
    opts_.apply_block_ms = 20;
    opts_.entry_bytes_max = 1000;
    opts_.file_bytes_max = 1500;  // bodies between the two are staged through an upload
    opts_.header_bytes_max = 1024;
    opts_.read_chunk_bytes = 100;
    opts_.watchdog_interval_ms = 10;
    opts_.linger_ms = 100;
  }
  void TearDown() override {
    ctx_.reset();
    api_.reset();
    node_.reset();
  }
  void Open() {
    auto n = ServerNode::Open(opts_);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    node_ = std::move(n).value();
    api_ = std::make_unique<Api>(node_.get());
    ctx_ = std::make_unique<SessionContext>(opts_, api_.get(), node_.get());
  }

  // Sends `bytes` on one connection (then end-of-stream, unless
  // keep_open) and returns what the server answered once it closed.
  std::vector<Reply> Exchange(std::string bytes, bool keep_open = false,
                              const std::set<size_t>& heads = {}) {
    if (!node_) Open();
    asio::io_context io;
    beast::test::stream server(io), client(io);
    server.connect(client);
    server.append(bytes);
    if (!keep_open) client.close();
    asio::co_spawn(io, RunSession(*ctx_, std::move(server)), asio::detached);
    io.run();
    auto out = client.str();
    return ParseReplies(std::string_view(out.data(), out.size()), heads);
  }

  ServerOptions opts_;
  testing::TempDir dir_;
  std::unique_ptr<ServerNode> node_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<SessionContext> ctx_;
};

TEST_F(SessionTest, KeepAliveAnswersEveryRequestInOrder) {
  auto r = Exchange(
      "PUT /v1/fs/a.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
      "POST /v1/fs/a.txt?op=append HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\n world\r\n0\r\n\r\n"
      "GET /v1/fs/a.txt HTTP/1.1\r\nHost: x\r\n\r\n"
      "HEAD /v1/fs/a.txt HTTP/1.1\r\nHost: x\r\n\r\n",
      /*keep_open=*/false, /*heads=*/{3});
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].status, 201);
  EXPECT_EQ(r[1].status, 200);
  EXPECT_EQ(r[1].Json()["offset"], 5);
  EXPECT_EQ(r[2].status, 200);
  EXPECT_EQ(r[2].body, "hello world");
  EXPECT_EQ(r[3].status, 200);
  EXPECT_EQ(r[3].headers["Content-Length"], "11");
  EXPECT_EQ(r[3].body, "");
}

TEST_F(SessionTest, FileBodiesAreStreamedWhole) {
  std::string big;
  for (int i = 0; i < 950; ++i) big.push_back(static_cast<char>('a' + i % 26));
  auto r = Exchange(
      "PUT /v1/fs/big HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(big.size()) +
      "\r\n\r\n" + big + "GET /v1/fs/big HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, 201);
  EXPECT_EQ(r[1].status, 200);
  EXPECT_EQ(r[1].headers["Content-Length"], "950");
  EXPECT_EQ(r[1].body, big);  // 10 chunks of read_chunk_bytes
}

TEST_F(SessionTest, MalformedRequestsGetTheContractsJsonErrors) {
  struct Case {
    std::string what, bytes;
    int status;
  };
  std::vector<Case> cases = {
      {"garbage", "\x01\x02 nonsense\r\n\r\n", 400},
      {"bad version", "GET / HTTP/9.9\r\n\r\n", 400},
      {"request line over the limit", "GET /" + std::string(2000, 'a') + " HTTP/1.1\r\n\r\n", 414},
      {"header block over the limit",
       "GET /healthz HTTP/1.1\r\nX-Big: " + std::string(2000, 'b') + "\r\n\r\n", 431},
      {"bad chunking",
       "POST /v1/fs/a?op=append HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"two lengths", "PUT /v1/fs/a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
       400},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto r = Exchange(c.bytes);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].status, c.status);
    EXPECT_EQ(r[0].Json()["error"], "bad_request");
    EXPECT_EQ(r[0].headers["Connection"], "close");
  }
  // Nothing was written.
  auto r = Exchange("GET /v1/fs/a HTTP/1.1\r\n\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 404);
}

TEST_F(SessionTest, BodiesOverTheLimitAre413BeforeTheyAreRead) {
  // Only the header is sent, and the connection stays open: the answer
  // cannot wait for the body.
  auto r = Exchange("PUT /v1/fs/a HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n",
                    /*keep_open=*/true);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 413);
  EXPECT_EQ(r[0].Json()["error"], "too_large");
  // A chunked body is cut off once it passes the limit.
  r = Exchange("POST /v1/fs/a?op=append HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
               std::string("7d0\r\n") + std::string(2000, 'x') + "\r\n0\r\n\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 413);
  EXPECT_EQ(Exchange("GET /v1/fs/a HTTP/1.1\r\n\r\n")[0].status, 404);
}

TEST_F(SessionTest, BodiesOverOneEntryAreStagedAndCommittedWhole) {
  // 1200 bytes: over one entry (1000), under the file limit (1500). Sent
  // with a length and chunked, it is staged in chunks and committed.
  std::string body(1200, 'b');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 23);
  auto r = Exchange("PUT /v1/fs/big HTTP/1.1\r\nHost: x\r\nContent-Length: 1200\r\n\r\n" + body);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 201) << r[0].body;
  EXPECT_EQ(r[0].Json()["size"], 1200);
  r = Exchange(
      "POST /v1/fs/big?op=append HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "258\r\n" +
      body.substr(0, 600) + "\r\n" + "258\r\n" + body.substr(600, 600) + "\r\n0\r\n\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200) << r[0].body;
  EXPECT_EQ(r[0].Json()["offset"], 1200);
  r = Exchange("GET /v1/fs/big HTTP/1.1\r\n\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].body, body + body);
  // A small chunked body is one ordinary write.
  r = Exchange(
      "PUT /v1/fs/small HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 201);
  // A body cut short leaves nothing.
  r = Exchange("PUT /v1/fs/cut HTTP/1.1\r\nHost: x\r\nContent-Length: 1400\r\n\r\n" + body);
  EXPECT_EQ(Exchange("GET /v1/fs/cut HTTP/1.1\r\n\r\n")[0].status, 404);
}

TEST_F(SessionTest, PastTheConnectionLimitOnlyProbesAreAnswered) {
  opts_.connections_max = 0;  // every connection is past the limit, within the reserve
  auto r = Exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
  r = Exchange("GET /v1/fs/a HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 503);
  EXPECT_EQ(r[0].Json()["message"], "too many connections");
  opts_.health_connections_reserve = 0;
  ctx_ = std::make_unique<SessionContext>(opts_, api_.get(), node_.get());
  r = Exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 503);
}

TEST_F(SessionTest, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
  opts_.idle_timeout_ms = 50;
  // One request, then silence with the connection open: the session must
  // end by itself (io.run() returns) with the one answer written.
  auto started = std::chrono::steady_clock::now();
  auto r = Exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", /*keep_open=*/true);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(50));
  EXPECT_EQ(ctx_->connections.load(), 0u);
}

}  // namespace
}  // namespace walfs
