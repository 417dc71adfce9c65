#pragma once

// One client connection of the HTTPS server and the clock its deadlines use; shared by
// the server's lifecycle (https_server.cpp) and its event loop (https_event_loop.cpp).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "irsa/openssl/handles.h"
#include "server/file_descriptor.h"
#include "server/https_server.h"

namespace irsa::server {

using SteadyClock = std::chrono::steady_clock;
inline constexpr std::int64_t kNoDeadline = std::numeric_limits<std::int64_t>::max();

inline std::int64_t nowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             SteadyClock::now().time_since_epoch())
      .count();
}

struct HttpsServer::Connection {
  enum class Phase { kHandshake, kRequest, kResponse, kDiscard };

  Connection(FileDescriptor client_socket, openssl::SslPtr client_ssl)
      : socket(std::move(client_socket)), ssl(std::move(client_ssl)) {}

  // Declared in this order so the SSL is freed before its socket is closed.
  FileDescriptor socket;
  openssl::SslPtr ssl;
  Phase phase = Phase::kHandshake;
  std::string in;  // received bytes not yet consumed by a request
  std::string out;
  std::size_t out_offset = 0;
  bool close_after_write = false;
  bool interim = false;        // `out` is a "100 Continue", not the answer
  bool continue_sent = false;  // for the request being read
  std::uint64_t discard = 0;   // body bytes to read and drop after a 413, then close
  // Read by the reaper thread; everything else belongs to the thread serving the event.
  std::atomic<std::int64_t> deadline{kNoDeadline};
  std::atomic<bool> idle{false};  // between requests, nothing buffered
  // No byte of a request received yet: on shutdown such a connection may still send its
  // first request (within first_request_grace), where an idle one is closed at once.
  std::atomic<bool> fresh{true};
  std::atomic<bool> cut{false};  // the reaper shut the socket down
};

}  // namespace irsa::server
