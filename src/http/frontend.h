// Frontend: what one listener speaks over the shared session machinery
// (http/session.h): the HTTP API (Api) or the S3 endpoint (S3Api). The
// session reads heads and bodies, enforces the connection limits and
// timeouts, and asks its frontend what to do with each request: whether
// the credentials at its head admit it, how large its body may be, whether
// the body is streamed, and how to say an error (the API's JSON, S3's XML).
// Thread-safety: as each implementation says; the session calls it from
// every io_context thread.
#pragma once

#include <utility>  // before Asio: g++ 12 needs it for awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "auth/authenticate.h"
#include "http/body_reader.h"
#include "http/request.h"
#include "http/response.h"

namespace walfs {

class Frontend {
 public:
  virtual ~Frontend() = default;

  struct Admission {
    std::optional<HttpResponse> refusal;  // answer it and read no body
    Identity identity;
  };
  // At the head, before any body is read: credentials, limits per client,
  // and the rights the head alone shows. now_ms: wall-clock time.
  virtual Admission Admit(const HttpRequest& head, std::string_view client, int64_t now_ms) = 0;

  // Whether the body is read by the handler as it arrives (large writes)
  // rather than whole before it; and the most bytes it may have.
  virtual bool StreamsBody(std::string_view method, std::string_view target,
                           std::optional<uint64_t> length) const = 0;
  virtual uint64_t BodyLimit(std::string_view target, bool streamed) const = 0;

  virtual boost::asio::awaitable<HttpResponse> Handle(HttpRequest req) = 0;
  // req carries no body: body yields it.
  virtual boost::asio::awaitable<HttpResponse> HandleStreamed(HttpRequest req,
                                                              BodyReader& body) = 0;

  // An error the session itself finds (a malformed request, a body over
  // its limit, too many connections), in this frontend's format. code is
  // the API's error code (api-v1.md), status its HTTP status.
  virtual HttpResponse SessionError(int status, std::string_view code,
                                    const std::string& message) const = 0;

  // The label of the request in the metrics (walfs_requests_total).
  virtual std::string_view MetricsRoute(std::string_view method, std::string_view target) const = 0;
};

// A frontend that routes each request to one of several others and answers
// the questions at a request's head as one of them, the head frontend,
// does (the front ends of a replica serving several volumes: their primary
// volume's). REQUIRES: set_head before the first request.
class RoutingFrontend : public Frontend {
 public:
  Admission Admit(const HttpRequest& head, std::string_view client, int64_t now_ms) override {
    return head_->Admit(head, client, now_ms);
  }
  bool StreamsBody(std::string_view method, std::string_view target,
                   std::optional<uint64_t> length) const override {
    return head_->StreamsBody(method, target, length);
  }
  uint64_t BodyLimit(std::string_view target, bool streamed) const override {
    return head_->BodyLimit(target, streamed);
  }
  HttpResponse SessionError(int status, std::string_view code,
                            const std::string& message) const override {
    return head_->SessionError(status, code, message);
  }
  std::string_view MetricsRoute(std::string_view method, std::string_view target) const override {
    return head_->MetricsRoute(method, target);
  }

 protected:
  void set_head(Frontend* f) { head_ = f; }

 private:
  Frontend* head_ = nullptr;
};

}  // namespace walfs
