#include "server/listen_socket.h"

#include <netdb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace irsa::server {
namespace {

constexpr int kBacklog = 1024;

// Errors meaning "this machine has no IPv6", as opposed to "the port is taken".
bool noIpv6(int error) {
  return error == EAFNOSUPPORT || error == EADDRNOTAVAIL || error == EPROTONOSUPPORT;
}

struct Attempt {
  FileDescriptor fd;
  int error = 0;
};

Attempt bindAndListen(const addrinfo& address) {
  Attempt attempt;
  attempt.fd = FileDescriptor(::socket(
      address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address.ai_protocol));
  if (!attempt.fd.valid()) {
    attempt.error = errno;
    return attempt;
  }
  const int one = 1;
  ::setsockopt(attempt.fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (address.ai_family == AF_INET6) {
    // Also accept IPv4 clients (as ::ffff:a.b.c.d), whatever net.ipv6.bindv6only says.
    const int zero = 0;
    ::setsockopt(attempt.fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  }
  if (::bind(attempt.fd.get(), address.ai_addr, address.ai_addrlen) != 0 ||
      ::listen(attempt.fd.get(), kBacklog) != 0) {
    attempt.error = errno;
    attempt.fd.reset();
  }
  return attempt;
}

Result<FileDescriptor> listenOn(const std::string& address, int port, int& last_error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  const std::string port_text = std::to_string(port);
  const char* host = address.empty() ? nullptr : address.c_str();
  if (const int rc = ::getaddrinfo(host, port_text.c_str(), &hints, &addresses); rc != 0) {
    last_error = EADDRNOTAVAIL;
    return unavailable("cannot resolve bind address " + address + ": " + gai_strerror(rc));
  }
  last_error = 0;
  for (const addrinfo* candidate = addresses; candidate != nullptr;
       candidate = candidate->ai_next) {
    Attempt attempt = bindAndListen(*candidate);
    if (attempt.fd.valid()) {
      ::freeaddrinfo(addresses);
      return std::move(attempt.fd);
    }
    last_error = attempt.error;
  }
  ::freeaddrinfo(addresses);
  return unavailable("cannot listen on " + endpointText(address, port) + ": " +
                     std::strerror(last_error));  // NOLINT(concurrency-mt-unsafe): start-up
}

}  // namespace

Result<FileDescriptor> listenTcp(const std::string& address, int port) {
  int error = 0;
  Result<FileDescriptor> listening = listenOn(address, port, error);
  if (listening.ok() || address != kDualStackAddress || !noIpv6(error)) return listening;
  spdlog::info("no IPv6 on this host; listening on {} instead",
               endpointText(kIpv4AnyAddress, port));
  return listenOn(kIpv4AnyAddress, port, error);
}

std::string endpointText(const std::string& address, int port) {
  const std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  return host + ":" + std::to_string(port);
}

}  // namespace irsa::server
