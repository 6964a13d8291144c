// HttpServer: the listener (Boost.Beast over Asio).
//
// The listener deals accepted connections in turn to options.http_threads
// threads, each running its own io_context. A connection is one coroutine on
// its thread (RunSession, http/session.h) that reads a request (header
// first, so an oversized body is answered 413 before it is read), hands it
// to Api::Handle, and writes the answer, streaming file bodies chunk by
// chunk. Every read and write has a timeout, enforced by a per-connection
// watchdog. SIGINT/SIGTERM stop accepting, let requests in
// flight finish (bounded), then stop. Thread-safety: Run() from one thread; it runs one io_context
// on each of options.http_threads threads (Api::Handle runs on all of them).
#pragma once

#include <memory>

#include "volume/volume_set.h"

namespace walfs {

class HttpServer {
 public:
  explicit HttpServer(const ServerOptions& opts);
  ~HttpServer();
  // Binds the listening socket; reports the port (useful with port 0).
  // Called before the replica opens its store, so that a bad address or a
  // port in use is refused having created nothing.
  Result<int> Bind();
  // The S3 listener's port (--s3-listen), once bound; 0 without one.
  int s3_port() const;
  // Starts accepting connections (once the replica is open: until then the
  // port refuses them rather than leave clients waiting).
  Status Listen();
  // Serves the replica's volumes until SIGINT or SIGTERM. REQUIRES: Bind
  // and Listen succeeded.
  void Run(VolumeSet* volumes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace walfs
