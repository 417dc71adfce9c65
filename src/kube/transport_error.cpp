#include "kube/transport_error.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace irsa::kube {
namespace {

// errno of one non-blocking connect to host:port, 0 when it succeeded, ETIMEDOUT when the
// probe ran out of time. A name that does not resolve is reported as such.
std::string probeConnect(const std::string& host, int port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int resolved = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (resolved != 0) return "cannot resolve " + host + ": " + gai_strerror(resolved);
  int error = ETIMEDOUT;
  const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = errno;
  } else {
    if (connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
      error = 0;
    } else if (errno != EINPROGRESS) {
      error = errno;
    } else {
      pollfd waiting{fd, POLLOUT, 0};
      if (poll(&waiting, 1, timeout_ms) == 1) {
        socklen_t length = sizeof(error);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
      }
    }
    close(fd);
  }
  freeaddrinfo(found);
  if (error == 0) return "connection failed, but a new connection now succeeds";
  if (error == ETIMEDOUT) return "connection timed out";
  std::array<char, 128> text{};
  // The GNU strerror_r returns the message (possibly a static string), not an int.
  return strerror_r(error, text.data(), text.size());
}

// The OpenSSL errors the failed handshake left in this thread's queue, oldest first.
std::string drainOpensslErrors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    if (!out.empty()) out += "; ";
    out += text.data();
  }
  return out;
}

}  // namespace

std::string describeTransportError(httplib::Error error, const std::string& host, int port,
                                   int probe_timeout_ms) {
  std::string category = httplib::to_string(error);
  switch (error) {
    case httplib::Error::Connection:
    case httplib::Error::ConnectionTimeout:
      ERR_clear_error();
      return category + " (" + probeConnect(host, port, probe_timeout_ms) + ")";
    case httplib::Error::SSLServerVerification: {
      // cpp-httplib verifies after the handshake, so OpenSSL's queue is usually empty here.
      const std::string cause = drainOpensslErrors();
      return category + " (" +
             (cause.empty() ? "the server's certificate is not signed by the configured CA, "
                              "or does not name " +
                                  host
                            : cause) +
             ")";
    }
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts: {
      const std::string cause = drainOpensslErrors();
      return category + " (" + (cause.empty() ? "TLS handshake failed" : cause) + ")";
    }
    case httplib::Error::Read:
      return category + " (the connection closed before a whole response arrived)";
    case httplib::Error::Write:
      return category + " (the connection closed while the request was sent)";
    default:
      return category;
  }
}

}  // namespace irsa::kube
