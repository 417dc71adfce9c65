#pragma once

// The TLS settings operators write (--tls-min-version, --tls-cipher-suites) as typed
// values: parsed once, in config, and handed to the server as they are. Plain data, no
// OpenSSL: the names below are OpenSSL's, the numbers the protocol's.

#include <string>
#include <string_view>

#include "irsa/status/result.h"

namespace irsa::tls {

// Protocol versions by their number on the wire (RFC 8446 §4.2.1), which is also the value
// of OpenSSL's TLS1_VERSION .. TLS1_3_VERSION.
enum class Version : int {
  kTls10 = 0x0301,
  kTls11 = 0x0302,
  kTls12 = 0x0303,
  kTls13 = 0x0304,
};

// "1.0".."1.3" or Go's "VersionTLS10".."VersionTLS13" (docs/behaviour.md §1.1); empty
// means the default, 1.2.
Result<Version> parseMinVersion(std::string_view value);

// A --tls-cipher-suites list translated to OpenSSL's two settings.
struct CipherSuites {
  std::string tls12;  // SSL_CTX_set_cipher_list format; empty = OpenSSL defaults
  std::string tls13;  // SSL_CTX_set_ciphersuites format; empty = OpenSSL defaults
};

// Accepts IANA names as Go's crypto/tls spells them (e.g.
// TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256), comma-separated. The
// error names the first unknown suite.
Result<CipherSuites> parseCipherSuites(std::string_view comma_list);

}  // namespace irsa::tls
