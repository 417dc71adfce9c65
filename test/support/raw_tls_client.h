#pragma once

// A TLS client that writes raw bytes over 127.0.0.1 or ::1: pipelining, Expect:
// 100-continue, stalled or malformed requests, and a TCP connection whose TLS handshake
// comes later are things httplib's client does not send.

#include <cstddef>
#include <string>
#include <string_view>

#include "irsa/openssl/handles.h"

namespace irsa::test {

struct RawTlsOptions {
  bool ipv6 = false;            // connect to ::1 instead of 127.0.0.1
  bool handshake = true;        // false: TCP only, call handshake() later
  int max_version = 0;          // e.g. TLS1_1_VERSION; 0: OpenSSL's default
  std::string cipher_list;      // TLS 1.2 suites the client offers; empty: OpenSSL's default
  std::string certificate_pem;  // client certificate and key (both or neither)
  std::string key_pem;
};

class RawTlsClient {
 public:
  explicit RawTlsClient(int port, const RawTlsOptions& options = {});
  ~RawTlsClient();
  RawTlsClient(const RawTlsClient&) = delete;
  RawTlsClient& operator=(const RawTlsClient&) = delete;

  // True once the TCP connection (and, unless deferred, the handshake) succeeded.
  bool connected() const { return connected_; }
  bool handshake();
  bool send(std::string_view data);
  // Reads until `text` has been seen `times` times, the peer closes, or 5 s pass.
  std::string readUntil(std::string_view text, int times = 1);
  // Reads one whole response (head and Content-Length body) after what was already read;
  // returns everything received.
  std::string readResponse();
  // Reads until the peer closes (or 5 s pass); true when it closed.
  bool closedByPeer();
  const std::string& received() const { return received_; }
  // How often `text` occurs in what was received so far.
  int occurrences(std::string_view text) const;

 private:
  openssl::SslContextPtr context_;
  openssl::SslPtr ssl_;
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

}  // namespace irsa::test
