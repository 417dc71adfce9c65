// Open-loop load: C keep-alive TLS connections send POST /mutate on a fixed schedule
// (rate/C per second each, staggered). Latency is measured from the scheduled send time,
// so a stalled server shows up as latency instead of silently lowering the offered load:
// a request whose connection is still busy waits in that connection's queue, and the wait
// counts.
//
// One thread drives every connection with non-blocking sockets and epoll, as wrk does:
// the generator shares the two cores with the server, and a thread per connection made
// its own scheduling delays part of the measured tail.
//
// Usage: irsa_open_loop PORT BODY_FILE RATE CONNECTIONS SECONDS
// Prints one JSON line: offered and achieved rate, errors, p50/p99/p99.9/max in ms.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Connection {
  int fd = -1;
  SSL* ssl = nullptr;
  std::deque<Clock::time_point> queued;  // scheduled times not yet answered; front in flight
  bool in_flight = false;
  std::string received;
  Clock::time_point next_send{};
};

bool connectTls(Connection& connection, SSL_CTX* context, int port) {
  connection.fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(connection.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return false;
  }
  const int one = 1;
  ::setsockopt(connection.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  connection.ssl = SSL_new(context);
  SSL_set_fd(connection.ssl, connection.fd);
  if (SSL_connect(connection.ssl) != 1) return false;  // blocking handshake, then non-blocking
  ::fcntl(connection.fd, F_SETFL, ::fcntl(connection.fd, F_GETFL) | O_NONBLOCK);
  return true;
}

// Writes the whole request; requests are small, so a full socket buffer is a failure.
bool sendRequest(Connection& connection, const std::string& request) {
  std::size_t offset = 0;
  while (offset < request.size()) {
    const int written = SSL_write(connection.ssl, request.data() + offset,
                                  static_cast<int>(request.size() - offset));
    if (written > 0) {
      offset += static_cast<std::size_t>(written);
      continue;
    }
    const int error = SSL_get_error(connection.ssl, written);
    if (error != SSL_ERROR_WANT_WRITE && error != SSL_ERROR_WANT_READ) return false;
  }
  connection.in_flight = true;
  return true;
}

// Takes one complete response off the front of `received`; returns its status or 0 when
// incomplete, -1 when malformed.
int takeResponse(std::string& received) {
  const std::size_t header_end = received.find("\r\n\r\n");
  if (header_end == std::string::npos) return 0;
  int status = -1;
  if (received.size() >= 12 && received.compare(0, 9, "HTTP/1.1 ") == 0) {
    std::from_chars(received.data() + 9, received.data() + 12, status);
  }
  std::size_t length = 0;
  const std::string_view head(received.data(), header_end);
  for (const std::string_view name : {"Content-Length: ", "content-length: "}) {
    const std::size_t at = head.find(name);
    if (at != std::string_view::npos) {
      std::from_chars(head.data() + at + name.size(), head.data() + head.size(), length);
    }
  }
  if (received.size() < header_end + 4 + length) return 0;
  received.erase(0, header_end + 4 + length);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s PORT BODY_FILE RATE CONNECTIONS SECONDS\n", argv[0]);
    return 2;
  }
  const int port = std::atoi(argv[1]);
  std::ifstream in(argv[2]);
  std::stringstream content;
  content << in.rdbuf();
  const std::string body = content.str();
  const double rate = std::atof(argv[3]);
  const int count = std::max(1, std::atoi(argv[4]));
  const double seconds = std::atof(argv[5]);
  const std::string request =
      "POST /mutate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;

  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  std::vector<Connection> connections(static_cast<std::size_t>(count));
  const int epoll = ::epoll_create1(0);
  for (Connection& connection : connections) {
    if (!connectTls(connection, context, port)) {
      std::fprintf(stderr, "cannot connect to 127.0.0.1:%d\n", port);
      return 1;
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = &connection;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, connection.fd, &event);
  }

  // Wake-ups at the next send time, to the microsecond (epoll's own timeout is in ms).
  const int timer = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  epoll_event timer_event{};
  timer_event.events = EPOLLIN;
  timer_event.data.ptr = nullptr;
  ::epoll_ctl(epoll, EPOLL_CTL_ADD, timer, &timer_event);

  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(count / rate));
  const auto start = Clock::now() + std::chrono::milliseconds(200);
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  // Connections start staggered so requests spread evenly over time.
  for (int i = 0; i < count; ++i) {
    connections[static_cast<std::size_t>(i)].next_send = start + interval * i / count;
  }

  std::vector<double> latencies_ms;
  latencies_ms.reserve(static_cast<std::size_t>(rate * seconds) + 16);
  std::size_t errors = 0;
  std::size_t outstanding = 0;
  const auto give_up = end + std::chrono::seconds(10);
  while (true) {
    const auto now = Clock::now();
    Clock::time_point wake = give_up;
    for (Connection& connection : connections) {
      while (connection.next_send <= now && connection.next_send < end) {
        connection.queued.push_back(connection.next_send);
        connection.next_send += interval;
        ++outstanding;
      }
      if (!connection.in_flight && !connection.queued.empty() &&
          !sendRequest(connection, request)) {
        ++errors;
        outstanding -= connection.queued.size();
        connection.queued.clear();
      }
      if (connection.next_send < end) wake = std::min(wake, connection.next_send);
    }
    if (now >= end && outstanding == 0) break;
    if (now >= give_up) {
      errors += outstanding;
      break;
    }
    // steady_clock is CLOCK_MONOTONIC here, so its time points arm the timer directly.
    const auto wake_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(wake.time_since_epoch()).count();
    itimerspec when{};
    when.it_value.tv_sec = static_cast<time_t>(wake_ns / 1000000000);
    when.it_value.tv_nsec = static_cast<long>(wake_ns % 1000000000);
    ::timerfd_settime(timer, TFD_TIMER_ABSTIME, &when, nullptr);
    epoll_event events[64];
    const int ready = ::epoll_wait(epoll, events, 64, -1);
    for (int i = 0; i < ready; ++i) {
      if (events[i].data.ptr == nullptr) {
        std::uint64_t expirations = 0;
        [[maybe_unused]] const auto n = ::read(timer, &expirations, sizeof expirations);
        continue;
      }
      auto& connection = *static_cast<Connection*>(events[i].data.ptr);
      char buffer[16384];
      while (true) {
        const int n = SSL_read(connection.ssl, buffer, sizeof buffer);
        if (n > 0) {
          connection.received.append(buffer, static_cast<std::size_t>(n));
          continue;
        }
        const int error = SSL_get_error(connection.ssl, n);
        if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
          errors += connection.queued.size();
          outstanding -= connection.queued.size();
          connection.queued.clear();
          connection.in_flight = false;
          ::epoll_ctl(epoll, EPOLL_CTL_DEL, connection.fd, nullptr);
          connection.next_send = end;  // this connection is done
        }
        break;
      }
      for (int status = takeResponse(connection.received); status != 0 && connection.in_flight;
           status = takeResponse(connection.received)) {
        const auto done = Clock::now();
        if (status != 200) ++errors;
        latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(done - connection.queued.front()).count());
        connection.queued.pop_front();
        --outstanding;
        connection.in_flight = false;
        if (!connection.queued.empty() && !sendRequest(connection, request)) {
          ++errors;
          outstanding -= connection.queued.size();
          connection.queued.clear();
        }
      }
    }
  }

  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto percentile = [&](double p) {
    if (latencies_ms.empty()) return 0.0;
    const auto index = static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1));
    return latencies_ms[index];
  };
  std::printf(
      "{\"offered_rps\":%.0f,\"achieved_rps\":%.0f,\"requests\":%zu,\"errors\":%zu,\"p50_ms\":%.3f,"
      "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}\n",
      rate, static_cast<double>(latencies_ms.size()) / seconds, latencies_ms.size(), errors,
      percentile(0.50), percentile(0.99), percentile(0.999),
      latencies_ms.empty() ? 0.0 : latencies_ms.back());
  for (Connection& connection : connections) {
    SSL_free(connection.ssl);
    ::close(connection.fd);
  }
  SSL_CTX_free(context);
  ::close(timer);
  ::close(epoll);
  return errors == 0 ? 0 : 1;
}
