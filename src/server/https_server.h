#pragma once

// The admission port's HTTPS/1.1 server.
//
// Why not cpp-httplib here: it gives every keep-alive connection a thread for its whole
// life and polls before every read and write, about 12 system calls and two context
// switches per request; profiles showed the kernel's scheduler, not our code, as the top
// cost. This server keeps all connections in one epoll set shared by a pool of threads.
// A thread takes one ready connection (EPOLLONESHOT), serves what it can without
// blocking, re-arms it and takes the next; under load threads go from request to request
// without sleeping.
//
// Only about two threads per core take events at a time: more would just preempt each
// other (measured: 4 threads on 2 cores serve 10-30% more than 128). The handler may
// still block (a ServiceAccount cache miss waits for the grace period), so a watchdog
// counts handlers running longer than 5 ms and lets one more thread in for each, up to
// `threads`: a slow request holds one thread, never the other connections. The watchdog
// looks every 5 ms while a handler runs, every 50 ms when the server is idle (so a first
// blocked request can wait up to ~55 ms for a thread to be added).
//
// Only what kube-apiserver and operators need: HTTP/1.1 and 1.0 with keep-alive,
// Content-Length bodies (chunked request bodies get 411), "Expect: 100-continue", and
// per-phase deadlines (idle keep-alive, request read, response write).

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "irsa/concurrency/mutex.h"
#include "irsa/concurrency/thread_annotations.h"
#include "irsa/status/status.h"
#include "server/file_descriptor.h"
#include "server/http_message.h"

namespace irsa::server {

struct HttpRequest {
  std::string_view method;
  std::string_view path;  // without the query string
  std::string_view content_type;
  std::string_view body;
  bool client_certificate = false;  // the client presented a certificate that verified
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  bool close_connection = false;  // e.g. while draining: send the client elsewhere
};

// Called concurrently from the server's threads.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpsServerOptions {
  std::string bind_address = "::";  // dual-stack; 0.0.0.0 where there is no IPv6
  int port = 443;                   // 0 picks a free port
  std::size_t threads = 64;         // most that may be inside handlers at once
  std::size_t active_threads = 0;   // taking events at once when none blocks; 0: 2 per core
  std::size_t max_request_bytes = std::size_t{3} * 1024 * 1024;
  std::size_t max_connections = 10000;
  std::chrono::milliseconds read_timeout{10000};        // from a request's first byte to its last
  std::chrono::milliseconds write_timeout{10000};       // for a response the client does not read
  std::chrono::milliseconds keep_alive_timeout{10000};  // idle between requests
  // On stop, how long a connection that has not begun its first request may still send it.
  std::chrono::milliseconds first_request_grace{5000};
};

class HttpsServer {
 public:
  // `context` stays owned by the caller and must outlive the server.
  HttpsServer(HttpsServerOptions options, SSL_CTX* context, HttpHandler handler);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  // Binds and listens; unavailable (with the reason) when the address cannot be used.
  Status bind();
  int port() const { return port_; }
  void start();
  // Closes the listener, lets requests in progress finish and be answered (with
  // Connection: close), closes idle connections, then joins the threads. Connections still
  // busy after `grace` are cut.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(30000))
      EXCLUDES(gate_mutex_, connections_mutex_);

 private:
  struct Connection;  // one client connection's state, defined in the .cpp
  // What serve() does after one step of a connection's state machine.
  enum class Step {
    kNext,   // go on with the connection's (new) phase
    kYield,  // the connection is re-armed in epoll or closed: take the next event
  };

  Status listen();
  Status createEventLoop();
  void run(std::size_t index) EXCLUDES(gate_mutex_);
  void watchAndReap(const std::stop_token& stop);
  bool watchHandlers() EXCLUDES(gate_mutex_);  // true while some handler runs
  // Accepts what the listen queue holds; `queued_only` (on stop): even while stopping,
  // and without re-arming the listener.
  void acceptConnections(bool queued_only = false) EXCLUDES(connections_mutex_);
  void addConnection(FileDescriptor socket) EXCLUDES(connections_mutex_);
  void serve(Connection& connection);
  Step handshake(Connection& connection);
  Step writeResponse(Connection& connection);
  Step discardBody(Connection& connection);
  Step readRequest(Connection& connection);
  void answer(Connection& connection, const ParsedRequest& request);
  void reject(Connection& connection, const ParsedRequest& request);
  Step receive(Connection& connection);
  bool arm(Connection& connection, bool want_write);
  // After an OpenSSL call returned `result` <= 0: re-arms the connection for the socket
  // readiness OpenSSL waits for (true), or false when the connection is broken.
  bool rearmAfter(Connection& connection, int result);
  void close(Connection& connection) EXCLUDES(connections_mutex_);
  void reapExpired() EXCLUDES(connections_mutex_);
  void drain(std::chrono::milliseconds grace) EXCLUDES(connections_mutex_);
  bool noConnectionsLeft() EXCLUDES(connections_mutex_);
  void joinThreads();

  const HttpsServerOptions options_;
  SSL_CTX* const context_;
  const HttpHandler handler_;
  FileDescriptor listen_fd_;
  FileDescriptor epoll_fd_;
  FileDescriptor wake_fd_;  // eventfd: readable means "threads, exit"
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  // Set by stop(): when connections that have not begun a request are cut (steady ms).
  std::atomic<std::int64_t> first_request_cutoff_{0};

  // The gate in front of epoll_wait: at most `allowance_` threads past it. Both counters
  // are atomics so the fast path reads them without the lock; gate_mutex_ guards their
  // changes that a waiter on gate_ must not miss (++/-- of past_gate_, raising allowance_).
  concurrency::Mutex gate_mutex_;
  std::condition_variable_any gate_;  // waits on gate_mutex_
  std::atomic<std::size_t> past_gate_{0};
  std::atomic<std::size_t> allowance_{0};
  std::size_t base_allowance_ = 0;  // written by start() before any thread runs
  // Per thread: when its current handler call started (steady ms), 0 when not in one.
  std::unique_ptr<std::atomic<std::int64_t>[]> handler_started_;

  // Guards connections_ (which connections exist), not what is in them: a Connection
  // belongs to the thread serving its event, and the reaper reads only its atomics.
  concurrency::Mutex connections_mutex_;
  // Keyed by the pointer registered in epoll; the value owns the connection.
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_
      GUARDED_BY(connections_mutex_);

  // Last: they stop (are joined) before the members above go away.
  std::vector<std::jthread> threads_;
  std::jthread reaper_;  // the handler watchdog and deadline reaper
};

}  // namespace irsa::server
