#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace irsa::server {

// OpenSSL protocol version constant for a --tls-min-version value ("1.0".."1.3" or Go's
// "VersionTLS10".."VersionTLS13"); empty for anything else.
std::optional<int> parseTlsMinVersion(std::string_view value);

// A --tls-cipher-suites list translated to OpenSSL's two settings.
struct CipherSuites {
  std::string tls12;  // SSL_CTX_set_cipher_list format; empty = OpenSSL defaults
  std::string tls13;  // SSL_CTX_set_ciphersuites format; empty = OpenSSL defaults
};

struct CipherSuitesResult {
  std::optional<CipherSuites> suites;
  std::string error;  // names the first unknown suite when suites is empty
};

// Accepts IANA names as Go's crypto/tls spells them (e.g.
// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256), comma-separated.
CipherSuitesResult parseCipherSuites(std::string_view comma_list);

}  // namespace irsa::server
