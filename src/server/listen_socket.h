#pragma once

// Opening a listening TCP socket for the admission port. The default address "::" listens
// dual-stack, as the Go webhook's ":443" does: one IPv6 socket that also takes IPv4
// clients as IPv4-mapped addresses. Where the kernel has no IPv6 it falls back to
// "0.0.0.0" (docs/configuration.md, "Listening addresses").

#include <string>

#include "irsa/status/result.h"
#include "server/file_descriptor.h"

namespace irsa::server {

inline constexpr const char* kDualStackAddress = "::";
inline constexpr const char* kIpv4AnyAddress = "0.0.0.0";

// A non-blocking listening socket on address:port (port 0 picks a free one).
Result<FileDescriptor> listenTcp(const std::string& address, int port);

// "[::]:443" for IPv6 literals, "0.0.0.0:443" otherwise: how logs name an endpoint.
std::string endpointText(const std::string& address, int port);

}  // namespace irsa::server
