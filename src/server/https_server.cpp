#include "server/https_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>

#include "server/https_connection.h"
#include "server/listen_socket.h"
#include "server/memory_release.h"

// The server's lifecycle: listening, starting the threads, the handler watchdog and
// deadline reaper, and the drain on stop. The event loop is in https_event_loop.cpp.

namespace irsa::server {

using Clock = SteadyClock;

HttpsServer::HttpsServer(HttpsServerOptions options, SSL_CTX* context, HttpHandler handler)
    : options_(std::move(options)), context_(context), handler_(std::move(handler)) {}

HttpsServer::~HttpsServer() {
  stop(std::chrono::milliseconds(0));
}

Status HttpsServer::bind() {
  if (Status listening = listen(); !listening.ok()) return listening;
  sockaddr_storage bound{};
  socklen_t bound_size = sizeof bound;
  ::getsockname(listen_fd_.get(), reinterpret_cast<sockaddr*>(&bound), &bound_size);
  port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return createEventLoop();
}

Status HttpsServer::listen() {
  Result<FileDescriptor> listening = listenTcp(options_.bind_address, options_.port);
  if (!listening.ok()) return listening.status();
  listen_fd_ = std::move(*listening);
  return okStatus();
}

void HttpsServer::start() {
  // A client that disconnects while we write must cost an error code, not the process.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, nullptr);
  returnLargeAllocationsEagerly();
  const std::size_t count = options_.threads == 0 ? 1 : options_.threads;
  const std::size_t per_core = std::size_t{2} * std::max(1U, std::thread::hardware_concurrency());
  base_allowance_ =
      std::min(count, options_.active_threads == 0 ? per_core : options_.active_threads);
  allowance_ = base_allowance_;
  handler_started_ = std::make_unique<std::atomic<std::int64_t>[]>(count);
  threads_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) threads_.emplace_back([this, i] { run(i); });
  reaper_ = std::jthread([this](const std::stop_token& stop) { watchAndReap(stop); });
}

void HttpsServer::watchAndReap(const std::stop_token& stop) {
  // Guards nothing: condition_variable_any needs a lock to sleep on until stop is asked.
  std::mutex sleep_mutex;
  std::condition_variable_any sleeper;
  std::unique_lock lock(sleep_mutex);
  // Quick ticks only while handlers run: an idle webhook should cost (almost) nothing.
  auto next_reap = Clock::now();
  // Once no handler has run for a second, hand what they freed back to the kernel (once:
  // malloc_trim walks every arena, not something to do between requests under load).
  auto last_busy = Clock::now();
  bool trimmed = true;
  while (!stop.stop_requested()) {
    const bool busy = watchHandlers();
    if (busy) {
      last_busy = Clock::now();
      trimmed = false;
    } else if (!trimmed && Clock::now() - last_busy > std::chrono::seconds(1)) {
      releaseFreedMemory();
      trimmed = true;
    }
    if (Clock::now() >= next_reap) {
      reapExpired();
      next_reap = Clock::now() + std::chrono::milliseconds(100);
    }
    sleeper.wait_for(lock, stop, std::chrono::milliseconds(busy ? 5 : 50), [] { return false; });
  }
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
    concurrency::MutexLock lock(gate_mutex_);
    gate_.notify_all();
  }
  return busy;
}

void HttpsServer::reapExpired() {
  const std::int64_t now = nowMillis();
  const bool stopping = stopping_.load();
  const bool fresh_expired = stopping && now >= first_request_cutoff_.load();
  concurrency::MutexLock lock(connections_mutex_);
  for (const auto& [key, connection] : connections_) {
    if (connection->cut.load()) continue;
    const bool expired = connection->deadline.load() < now;
    // On stop, a connection that has served requests is closed between them; one that has
    // not begun its first (handshake done or not) gets until the cutoff to send it, as Go's
    // http.Server.Shutdown allows.
    const bool fresh = connection->fresh.load();
    const bool let_go =
        stopping && ((connection->idle.load() && !fresh) || (fresh && fresh_expired));
    if (expired || let_go) {
      // The serving thread (or the next event) sees the dead socket and closes it; the
      // file descriptor stays valid until then because only close() closes it.
      ::shutdown(connection->socket.get(), SHUT_RDWR);
      connection->cut = true;
    }
  }
}

void HttpsServer::stop(std::chrono::milliseconds grace) {
  if (stopping_.load()) return;
  // Before stopping_ is seen: the reaper reads the cutoff only once stopping.
  first_request_cutoff_ = nowMillis() + std::min(options_.first_request_grace, grace).count();
  if (stopping_.exchange(true)) return;
  if (listen_fd_.valid() && epoll_fd_.valid()) {
    ::epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, listen_fd_.get(), nullptr);
    // Clients whose connection the kernel already completed have sent (or are sending)
    // a request: serve them rather than reset them (docs/operations.md, "Shutdown").
    if (!threads_.empty()) acceptConnections(true);
    // New connections are refused from now on. The descriptor itself is closed only after
    // the threads are joined: one of them may be inside accept4() on it.
    ::shutdown(listen_fd_.get(), SHUT_RDWR);
  }
  if (reaper_.joinable()) {
    reaper_.request_stop();
    reaper_.join();
  }
  {
    // Every thread helps finish what is in flight and then sees the wake-up.
    concurrency::MutexLock lock(gate_mutex_);
    allowance_ = threads_.size() + 1;
    gate_.notify_all();
  }
  drain(grace);
  // Give cut connections a moment to be closed by their threads, then stop the threads.
  for (int i = 0; i < 200 && !noConnectionsLeft(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  joinThreads();
  // Whatever is left has no thread serving it any more: freed (SSL, socket) here.
  std::unordered_map<Connection*, std::unique_ptr<Connection>> left;
  {
    concurrency::MutexLock lock(connections_mutex_);
    left.swap(connections_);
  }
}

void HttpsServer::drain(std::chrono::milliseconds grace) {
  // In-flight requests finish and are answered with Connection: close; idle connections
  // are cut now and again as connections become idle.
  const auto deadline = Clock::now() + grace;
  while (true) {
    reapExpired();
    {
      concurrency::MutexLock lock(connections_mutex_);
      if (connections_.empty()) return;
      if (Clock::now() >= deadline) {
        for (const auto& [key, connection] : connections_) {
          if (!connection->cut.exchange(true)) ::shutdown(connection->socket.get(), SHUT_RDWR);
        }
        return;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

bool HttpsServer::noConnectionsLeft() {
  concurrency::MutexLock lock(connections_mutex_);
  return connections_.empty();
}

void HttpsServer::joinThreads() {
  if (wake_fd_.valid()) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(wake_fd_.get(), &one, sizeof one);
  }
  for (std::jthread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace irsa::server
