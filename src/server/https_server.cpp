#include "server/https_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <limits>

#include "server/http_message.h"

namespace irsa::server {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::int64_t kNoDeadline = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t kMaxDiscardBytes = std::uint64_t{64} * 1024 * 1024;

std::int64_t nowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

// Which of the server's threads runs the current serve() (for the handler watchdog).
thread_local std::size_t current_thread_index = 0;

// Markers for the two non-connection file descriptors in the epoll set.
char g_listener_marker;
char g_wake_marker;

}  // namespace

struct HttpsServer::Connection {
  enum class Phase { kHandshake, kRequest, kResponse, kDiscard };

  int fd = -1;
  SSL* ssl = nullptr;
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
  std::atomic<bool> cut{false};   // the reaper shut the socket down
};

HttpsServer::HttpsServer(HttpsServerOptions options, SSL_CTX* context, HttpHandler handler)
    : options_(std::move(options)), context_(context), handler_(std::move(handler)) {}

HttpsServer::~HttpsServer() {
  stop(std::chrono::milliseconds(0));
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

std::string HttpsServer::bind() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  const std::string port_text = std::to_string(options_.port);
  const char* host = options_.bind_address.empty() ? nullptr : options_.bind_address.c_str();
  if (const int rc = ::getaddrinfo(host, port_text.c_str(), &hints, &addresses); rc != 0) {
    return "cannot resolve bind address " + options_.bind_address + ": " + gai_strerror(rc);
  }
  std::string failure = "no usable address";
  for (addrinfo* address = addresses; address != nullptr; address = address->ai_next) {
    const int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                            address->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, address->ai_addr, address->ai_addrlen) == 0 && ::listen(fd, 1024) == 0) {
      listen_fd_ = fd;
      break;
    }
    failure = std::strerror(errno);  // NOLINT(concurrency-mt-unsafe): start-up, one thread
    ::close(fd);
  }
  ::freeaddrinfo(addresses);
  if (listen_fd_ < 0) {
    return "cannot listen on " + options_.bind_address + ":" + port_text + ": " + failure;
  }
  sockaddr_storage bound{};
  socklen_t bound_size = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &bound_size);
  port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);

  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) return "cannot create the event loop";
  epoll_event listener{};
  listener.events = EPOLLIN | EPOLLONESHOT;
  listener.data.ptr = &g_listener_marker;
  epoll_event wake{};
  wake.events = EPOLLIN;  // level-triggered: once written, every thread sees it
  wake.data.ptr = &g_wake_marker;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listener) != 0 ||
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake) != 0) {
    return "cannot register the listener";
  }
  return {};
}

void HttpsServer::start() {
  // A client that disconnects while we write must cost an error code, not the process.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);
  const std::size_t count = options_.threads == 0 ? 1 : options_.threads;
  const std::size_t per_core = std::size_t{2} * std::max(1U, std::thread::hardware_concurrency());
  base_allowance_ =
      std::min(count, options_.active_threads == 0 ? per_core : options_.active_threads);
  allowance_ = base_allowance_;
  handler_started_ = std::make_unique<std::atomic<std::int64_t>[]>(count);
  threads_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) threads_.emplace_back([this, i] { run(i); });
  reaper_ = std::thread([this] {
    // Quick ticks only while handlers run: an idle webhook should cost (almost) nothing.
    auto next_reap = Clock::now();
    while (!stopping_.load()) {
      const bool busy = watchHandlers();
      if (Clock::now() >= next_reap) {
        reapExpired();
        next_reap = Clock::now() + std::chrono::milliseconds(100);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(busy ? 5 : 50));
    }
  });
}

bool HttpsServer::watchHandlers() {
  constexpr std::int64_t kBlockedAfterMillis = 5;
  const std::int64_t now = nowMillis();
  std::size_t blocked = 0;
  bool busy = false;
  for (std::size_t i = 0; i < threads_.size(); ++i) {
    const std::int64_t started = handler_started_[i].load(std::memory_order_relaxed);
    busy = busy || started != 0;
    if (started != 0 && now - started > kBlockedAfterMillis) ++blocked;
  }
  const std::size_t allowance = std::min(threads_.size(), base_allowance_ + blocked);
  if (allowance_.exchange(allowance) < allowance) {
    std::lock_guard lock(gate_mutex_);
    gate_.notify_all();
  }
  return busy;
}

void HttpsServer::run(std::size_t index) {
  bool past_gate = false;
  while (true) {
    if (past_gate && past_gate_ > allowance_.load(std::memory_order_relaxed)) {
      std::lock_guard lock(gate_mutex_);
      if (past_gate_ > allowance_.load()) {
        --past_gate_;
        past_gate = false;
      }
    }
    if (!past_gate) {
      std::unique_lock lock(gate_mutex_);
      gate_.wait(lock, [this] { return past_gate_ < allowance_.load(); });
      ++past_gate_;
      past_gate = true;
    }
    epoll_event event{};
    const int ready = ::epoll_wait(epoll_fd_, &event, 1, -1);
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

void HttpsServer::acceptConnections() {
  while (!stopping_.load()) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK && !stopping_.load()) {
        // EMFILE and friends: log and back off rather than spin on a ready listener.
        spdlog::warn("accept failed: {}", std::strerror(errno));  // NOLINT(concurrency-mt-unsafe)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      break;
    }
    {
      std::lock_guard lock(connections_mutex_);
      if (connections_.size() >= options_.max_connections) {
        ::close(fd);
        continue;
      }
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SSL* ssl = SSL_new(context_);
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
      SSL_free(ssl);
      ::close(fd);
      continue;
    }
    SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    auto* connection = new Connection();  // owned through connections_, freed in close()
    connection->fd = fd;
    connection->ssl = ssl;
    connection->deadline = nowMillis() + options_.read_timeout.count();
    {
      std::lock_guard lock(connections_mutex_);
      connections_.insert(connection);
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLONESHOT;
    event.data.ptr = connection;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) close(connection);
  }
  if (!stopping_.load()) {
    epoll_event listener{};
    listener.events = EPOLLIN | EPOLLONESHOT;
    listener.data.ptr = &g_listener_marker;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, listen_fd_, &listener);
  }
}

bool HttpsServer::rearmAfter(Connection& connection, int result) {
  const int error = SSL_get_error(connection.ssl, result);
  return (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) &&
         arm(connection, error == SSL_ERROR_WANT_WRITE);
}

bool HttpsServer::arm(Connection& connection, bool want_write) {
  epoll_event event{};
  event.events = (want_write ? EPOLLOUT : EPOLLIN) | EPOLLONESHOT;
  event.data.ptr = &connection;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd, &event) == 0;
}

void HttpsServer::close(Connection* connection) {
  {
    std::lock_guard lock(connections_mutex_);
    connections_.erase(connection);
  }
  if (connection->phase != Connection::Phase::kHandshake && !connection->cut.load()) {
    SSL_shutdown(connection->ssl);  // best effort close_notify; never waits
  }
  SSL_free(connection->ssl);
  ::close(connection->fd);
  delete connection;
}

void HttpsServer::serve(Connection& connection) {
  Connection& c = connection;
  c.idle = false;
  const RequestLimits limits{std::size_t{16} * 1024, options_.max_request_bytes};
  char buffer[16 * 1024];
  while (true) {
    switch (c.phase) {
      case Connection::Phase::kHandshake: {
        ERR_clear_error();
        const int result = SSL_accept(c.ssl);
        if (result == 1) {
          c.phase = Connection::Phase::kRequest;
          c.deadline = nowMillis() + options_.keep_alive_timeout.count();
          continue;
        }
        if (!rearmAfter(c, result)) close(&c);
        return;
      }

      case Connection::Phase::kResponse: {
        while (c.out_offset < c.out.size()) {
          ERR_clear_error();
          const std::size_t remaining = c.out.size() - c.out_offset;
          const int written =
              SSL_write(c.ssl, c.out.data() + c.out_offset,
                        static_cast<int>(std::min<std::size_t>(remaining, INT_MAX)));
          if (written > 0) {
            c.out_offset += static_cast<std::size_t>(written);
            continue;
          }
          if (!rearmAfter(c, written)) close(&c);
          return;
        }
        c.out.clear();
        c.out_offset = 0;
        if (c.interim) {
          c.interim = false;
        } else {
          if (c.close_after_write) {
            if (c.discard == 0) {
              close(&c);
              return;
            }
            c.phase = Connection::Phase::kDiscard;
            c.deadline = nowMillis() + options_.read_timeout.count();
            continue;
          }
          c.continue_sent = false;
        }
        c.phase = Connection::Phase::kRequest;
        c.deadline = nowMillis() + (c.in.empty() ? options_.keep_alive_timeout.count()
                                                 : options_.read_timeout.count());
        continue;
      }

      case Connection::Phase::kDiscard: {
        ERR_clear_error();
        const int received = SSL_read(c.ssl, buffer, sizeof buffer);
        if (received > 0) {
          const auto dropped = static_cast<std::uint64_t>(received);
          c.discard = dropped >= c.discard ? 0 : c.discard - dropped;
          if (c.discard > 0) continue;
        } else if (rearmAfter(c, received)) {
          return;
        }
        close(&c);
        return;
      }

      case Connection::Phase::kRequest: {
        if (!c.in.empty()) {
          const ParsedRequest request = parseRequest(c.in, limits, c.continue_sent);
          if (request.status == ParsedRequest::Status::kComplete) {
            c.deadline = kNoDeadline;  // the handler may wait (cache miss); not the client's fault
            HttpRequest view{request.method, request.path, request.content_type, request.body};
            handler_started_[current_thread_index].store(nowMillis(), std::memory_order_relaxed);
            HttpResponse response = handler_(view);
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
            c.phase = Connection::Phase::kResponse;
            c.deadline = nowMillis() + options_.write_timeout.count();
            continue;
          }
          if (request.status == ParsedRequest::Status::kError) {
            appendResponse(c.out, request.error_status, "text/plain; charset=utf-8",
                           request.error_reason + "\n", ConnectionHeader::kClose);
            c.close_after_write = true;
            // Bounded: a client announcing terabytes gets its answer and a closed socket.
            c.discard =
                request.unread_body_bytes <= kMaxDiscardBytes ? request.unread_body_bytes : 0;
            c.in.clear();
            c.phase = Connection::Phase::kResponse;
            c.deadline = nowMillis() + options_.write_timeout.count();
            continue;
          }
          if (request.status == ParsedRequest::Status::kNeedContinue) {
            c.out.assign(kContinueResponse);
            c.interim = true;
            c.continue_sent = true;
            c.phase = Connection::Phase::kResponse;
            continue;
          }
        }
        ERR_clear_error();
        const int received = SSL_read(c.ssl, buffer, sizeof buffer);
        if (received > 0) {
          if (c.in.empty()) c.deadline = nowMillis() + options_.read_timeout.count();
          c.in.append(buffer, static_cast<std::size_t>(received));
          continue;
        }
        const int error = SSL_get_error(c.ssl, received);
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
          if (c.in.empty()) {
            // Idle between requests: during shutdown this is the moment to let go.
            if (stopping_.load()) {
              close(&c);
              return;
            }
            c.idle = true;
          }
          if (arm(c, error == SSL_ERROR_WANT_WRITE)) return;
        }
        close(&c);
        return;
      }
    }
  }
}

void HttpsServer::reapExpired() {
  const std::int64_t now = nowMillis();
  const bool stopping = stopping_.load();
  std::lock_guard lock(connections_mutex_);
  for (Connection* connection : connections_) {
    if (connection->cut.load()) continue;
    const bool expired = connection->deadline.load() < now;
    if (expired || (stopping && connection->idle.load())) {
      // The serving thread (or the next event) sees the dead socket and closes it; the
      // file descriptor stays valid until then because only close() closes it.
      ::shutdown(connection->fd, SHUT_RDWR);
      connection->cut = true;
    }
  }
}

void HttpsServer::stop(std::chrono::milliseconds grace) {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0 && epoll_fd_ >= 0) {
    // New connections are refused from now on. The descriptor itself is closed only after
    // the threads are joined: one of them may be inside accept4() on it.
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    ::shutdown(listen_fd_, SHUT_RDWR);
  }
  if (reaper_.joinable()) reaper_.join();
  {
    // Every thread helps finish what is in flight and then sees the wake-up.
    std::lock_guard lock(gate_mutex_);
    allowance_ = threads_.size() + 1;
    gate_.notify_all();
  }
  // In-flight requests finish and are answered with Connection: close; idle connections
  // are cut now and again as connections become idle.
  const auto deadline = Clock::now() + grace;
  while (true) {
    reapExpired();
    {
      std::lock_guard lock(connections_mutex_);
      if (connections_.empty()) break;
      if (Clock::now() >= deadline) {
        for (Connection* connection : connections_) {
          if (!connection->cut.exchange(true)) ::shutdown(connection->fd, SHUT_RDWR);
        }
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Give cut connections a moment to be closed by their threads, then stop the threads.
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(connections_mutex_);
      if (connections_.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (wake_fd_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(wake_fd_, &one, sizeof one);
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  // Whatever is left has no thread serving it any more.
  std::unordered_set<Connection*> left;
  {
    std::lock_guard lock(connections_mutex_);
    left.swap(connections_);
  }
  for (Connection* connection : left) {
    SSL_free(connection->ssl);
    ::close(connection->fd);
    delete connection;
  }
}

}  // namespace irsa::server
