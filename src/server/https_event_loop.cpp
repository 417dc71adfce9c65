// The server's event loop: the threads taking epoll events, accepting connections, and
// each connection's state machine (TLS handshake, request, response, discarded body).

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <cstring>
#include <string>

#include "server/http_message.h"
#include "server/https_connection.h"
#include "server/https_server.h"
#include "server/memory_release.h"

namespace irsa::server {
namespace {

constexpr std::uint64_t kMaxDiscardBytes = std::uint64_t{64} * 1024 * 1024;

// Empties `buffer`; one grown past kRetainedBufferBytes (a large body or answer) is freed
// rather than kept for the connection's next, usually small, request.
void releaseIfLarge(std::string& buffer) {
  if (buffer.capacity() > kRetainedBufferBytes) {
    std::string().swap(buffer);
  } else {
    buffer.clear();
  }
}

// Which of the server's threads runs the current serve() (for the handler watchdog).
thread_local std::size_t current_thread_index = 0;

// Markers for the two non-connection file descriptors in the epoll set.
char g_listener_marker;
char g_wake_marker;

}  // namespace

Status HttpsServer::createEventLoop() {
  epoll_fd_ = FileDescriptor(::epoll_create1(EPOLL_CLOEXEC));
  wake_fd_ = FileDescriptor(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!epoll_fd_.valid() || !wake_fd_.valid()) return internalError("cannot create the event loop");
  epoll_event listener{};
  listener.events = EPOLLIN | EPOLLONESHOT;
  listener.data.ptr = &g_listener_marker;
  epoll_event wake{};
  wake.events = EPOLLIN;  // level-triggered: once written, every thread sees it
  wake.data.ptr = &g_wake_marker;
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, listen_fd_.get(), &listener) != 0 ||
      ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, wake_fd_.get(), &wake) != 0) {
    return internalError("cannot register the listener");
  }
  return okStatus();
}

void HttpsServer::run(std::size_t index) {
  bool past_gate = false;
  while (true) {
    if (past_gate && past_gate_ > allowance_.load(std::memory_order_relaxed)) {
      concurrency::MutexLock lock(gate_mutex_);
      if (past_gate_ > allowance_.load()) {
        --past_gate_;
        past_gate = false;
      }
    }
    if (!past_gate) {
      concurrency::MutexLock lock(gate_mutex_);
      gate_.wait(gate_mutex_, [this] { return past_gate_ < allowance_.load(); });
      ++past_gate_;
      past_gate = true;
    }
    epoll_event event{};
    const int ready = ::epoll_wait(epoll_fd_.get(), &event, 1, -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return;
    if (event.data.ptr == &g_wake_marker) return;
    if (event.data.ptr == &g_listener_marker) {
      acceptConnections();
      continue;
    }
    current_thread_index = index;
    serve(*static_cast<Connection*>(event.data.ptr));
  }
}

void HttpsServer::acceptConnections(bool queued_only) {
  while (queued_only || !stopping_.load()) {
    FileDescriptor fd(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK && !stopping_.load() && !queued_only) {
        // EMFILE and friends: log and back off rather than spin on a ready listener.
        spdlog::warn("accept failed: {}", std::strerror(errno));  // NOLINT(concurrency-mt-unsafe)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      break;
    }
    {
      concurrency::MutexLock lock(connections_mutex_);
      if (connections_.size() >= options_.max_connections) continue;  // fd closes here
    }
    addConnection(std::move(fd));
  }
  if (!stopping_.load() && !queued_only) {
    epoll_event listener{};
    listener.events = EPOLLIN | EPOLLONESHOT;
    listener.data.ptr = &g_listener_marker;
    ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, listen_fd_.get(), &listener);
  }
}

void HttpsServer::addConnection(FileDescriptor socket) {
  const int one = 1;
  ::setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  openssl::SslPtr ssl(SSL_new(context_));
  if (!ssl || SSL_set_fd(ssl.get(), socket.get()) != 1) return;
  SSL_set_mode(ssl.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  auto owned = std::make_unique<Connection>(std::move(socket), std::move(ssl));
  Connection& connection = *owned;
  connection.deadline = nowMillis() + options_.read_timeout.count();
  {
    concurrency::MutexLock lock(connections_mutex_);
    connections_.emplace(&connection, std::move(owned));
  }
  epoll_event event{};
  event.events = EPOLLIN | EPOLLONESHOT;
  event.data.ptr = &connection;
  if (::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_ADD, connection.socket.get(), &event) != 0) {
    close(connection);
  }
}

bool HttpsServer::rearmAfter(Connection& connection, int result) {
  const int error = SSL_get_error(connection.ssl.get(), result);
  return (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) &&
         arm(connection, error == SSL_ERROR_WANT_WRITE);
}

bool HttpsServer::arm(Connection& connection, bool want_write) {
  epoll_event event{};
  event.events = (want_write ? EPOLLOUT : EPOLLIN) | EPOLLONESHOT;
  event.data.ptr = &connection;
  return ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, connection.socket.get(), &event) == 0;
}

void HttpsServer::close(Connection& connection) {
  std::unique_ptr<Connection> owned;
  {
    concurrency::MutexLock lock(connections_mutex_);
    auto node = connections_.extract(&connection);
    if (!node.empty()) owned = std::move(node.mapped());
  }
  if (connection.phase != Connection::Phase::kHandshake && !connection.cut.load()) {
    SSL_shutdown(connection.ssl.get());  // best effort close_notify; never waits
  }
  // `owned` frees the SSL and closes the socket here, outside the lock.
}

void HttpsServer::serve(Connection& connection) {
  connection.idle = false;
  while (true) {
    Step step = Step::kYield;
    switch (connection.phase) {
      case Connection::Phase::kHandshake:
        step = handshake(connection);
        break;
      case Connection::Phase::kResponse:
        step = writeResponse(connection);
        break;
      case Connection::Phase::kDiscard:
        step = discardBody(connection);
        break;
      case Connection::Phase::kRequest:
        step = readRequest(connection);
        break;
    }
    if (step == Step::kYield) return;
  }
}

HttpsServer::Step HttpsServer::handshake(Connection& c) {
  ERR_clear_error();
  const int result = SSL_accept(c.ssl.get());
  if (result == 1) {
    c.phase = Connection::Phase::kRequest;
    c.deadline = nowMillis() + options_.keep_alive_timeout.count();
    return Step::kNext;
  }
  if (!rearmAfter(c, result)) close(c);
  return Step::kYield;
}

HttpsServer::Step HttpsServer::writeResponse(Connection& c) {
  while (c.out_offset < c.out.size()) {
    ERR_clear_error();
    const std::size_t remaining = c.out.size() - c.out_offset;
    const int written = SSL_write(c.ssl.get(), c.out.data() + c.out_offset,
                                  static_cast<int>(std::min<std::size_t>(remaining, INT_MAX)));
    if (written > 0) {
      c.out_offset += static_cast<std::size_t>(written);
      continue;
    }
    if (!rearmAfter(c, written)) close(c);
    return Step::kYield;
  }
  releaseIfLarge(c.out);
  c.out_offset = 0;
  if (c.interim) {
    c.interim = false;
  } else {
    if (c.close_after_write) {
      if (c.discard == 0) {
        close(c);
        return Step::kYield;
      }
      c.phase = Connection::Phase::kDiscard;
      c.deadline = nowMillis() + options_.read_timeout.count();
      return Step::kNext;
    }
    c.continue_sent = false;
  }
  c.phase = Connection::Phase::kRequest;
  c.deadline = nowMillis() +
               (c.in.empty() ? options_.keep_alive_timeout.count() : options_.read_timeout.count());
  return Step::kNext;
}

HttpsServer::Step HttpsServer::discardBody(Connection& c) {
  char buffer[16 * 1024];
  ERR_clear_error();
  const int received = SSL_read(c.ssl.get(), buffer, sizeof buffer);
  if (received > 0) {
    const auto dropped = static_cast<std::uint64_t>(received);
    c.discard = dropped >= c.discard ? 0 : c.discard - dropped;
    if (c.discard > 0) return Step::kNext;
  } else if (rearmAfter(c, received)) {
    return Step::kYield;
  }
  close(c);
  return Step::kYield;
}

HttpsServer::Step HttpsServer::readRequest(Connection& c) {
  if (c.in.empty()) return receive(c);
  const RequestLimits limits{std::size_t{16} * 1024, options_.max_request_bytes};
  const ParsedRequest request = parseRequest(c.in, limits, c.continue_sent);
  switch (request.status) {
    case ParsedRequest::Status::kComplete:
      answer(c, request);
      return Step::kNext;
    case ParsedRequest::Status::kError:
      reject(c, request);
      return Step::kNext;
    case ParsedRequest::Status::kNeedContinue:
      c.out.assign(kContinueResponse);
      c.interim = true;
      c.continue_sent = true;
      c.phase = Connection::Phase::kResponse;
      return Step::kNext;
    case ParsedRequest::Status::kIncomplete:
      break;
  }
  return receive(c);
}

void HttpsServer::answer(Connection& c, const ParsedRequest& request) {
  c.deadline = kNoDeadline;  // the handler may wait (cache miss); not the client's fault
  const bool verified = SSL_get0_peer_certificate(c.ssl.get()) != nullptr &&
                        SSL_get_verify_result(c.ssl.get()) == X509_V_OK;
  const HttpRequest view{request.method, request.path, request.content_type, request.body,
                         verified};
  handler_started_[current_thread_index].store(nowMillis(), std::memory_order_relaxed);
  const HttpResponse response = handler_(view);
  handler_started_[current_thread_index].store(0, std::memory_order_relaxed);
  const bool keep = request.keep_alive && !response.close_connection && !stopping_;
  c.close_after_write = !keep;
  ConnectionHeader header = ConnectionHeader::kNone;
  if (!keep) {
    header = ConnectionHeader::kClose;
  } else if (request.http_1_0) {
    header = ConnectionHeader::kKeepAlive;
  }
  appendResponse(c.out, response.status, response.content_type, response.body, header,
                 request.head);
  c.in.erase(0, request.consumed);
  if (c.in.empty()) releaseIfLarge(c.in);
  c.phase = Connection::Phase::kResponse;
  c.deadline = nowMillis() + options_.write_timeout.count();
}

void HttpsServer::reject(Connection& c, const ParsedRequest& request) {
  appendResponse(c.out, request.error_status, "text/plain; charset=utf-8",
                 request.error_reason + "\n", ConnectionHeader::kClose);
  c.close_after_write = true;
  // Bounded: a client announcing terabytes gets its answer and a closed socket.
  c.discard = request.unread_body_bytes <= kMaxDiscardBytes ? request.unread_body_bytes : 0;
  c.in.clear();
  c.phase = Connection::Phase::kResponse;
  c.deadline = nowMillis() + options_.write_timeout.count();
}

HttpsServer::Step HttpsServer::receive(Connection& c) {
  char buffer[16 * 1024];
  ERR_clear_error();
  const int received = SSL_read(c.ssl.get(), buffer, sizeof buffer);
  if (received > 0) {
    if (c.in.empty()) c.deadline = nowMillis() + options_.read_timeout.count();
    c.fresh = false;
    c.in.append(buffer, static_cast<std::size_t>(received));
    return Step::kNext;
  }
  const int error = SSL_get_error(c.ssl.get(), received);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    if (c.in.empty()) {
      // Idle between requests: during shutdown this is the moment to let go. Not before the
      // first request: the client may be about to send it.
      if (stopping_.load() && !c.fresh.load()) {
        close(c);
        return Step::kYield;
      }
      c.idle = true;
    }
    if (arm(c, error == SSL_ERROR_WANT_WRITE)) return Step::kYield;
  }
  close(c);
  return Step::kYield;
}

}  // namespace irsa::server
