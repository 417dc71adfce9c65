#pragma once

#include <httplib.h>

#include <string>

namespace irsa::kube {

// What went wrong below HTTP, in words an operator can act on. cpp-httplib reports only a
// category ("Connection"); the cause is recovered here: for connection failures by one
// TCP connect of our own to the same address (bounded by `probe_timeout_ms`), for TLS
// failures from the calling thread's OpenSSL error queue, which the failed handshake
// left behind. Call it right after the failed request, on the thread that made it.
std::string describeTransportError(httplib::Error error, const std::string& host, int port,
                                   int probe_timeout_ms = 300);

}  // namespace irsa::kube
