#include "irsa/tls/tls_settings.h"

#include <array>
#include <utility>

namespace irsa::tls {
namespace {

struct SuiteName {
  std::string_view iana;
  std::string_view openssl;
  bool tls13;
};

// Go's crypto/tls names (including its short CHACHA20 aliases) -> OpenSSL names. Suites
// OpenSSL 3 no longer ships (RC4) are deliberately absent, so asking for them fails loudly
// instead of silently serving something else.
constexpr std::array kSuites = {
    SuiteName{"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA", false},
    SuiteName{"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", false},
    SuiteName{"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", false},
    SuiteName{"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256", false},
    SuiteName{"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", false},
    SuiteName{"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", false},
    SuiteName{"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA", false},
    SuiteName{"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", false},
    SuiteName{"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", false},
    SuiteName{"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", false},
    SuiteName{"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", false},
    SuiteName{"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256", false},
    SuiteName{"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256", false},
    SuiteName{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", false},
    SuiteName{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", false},
    SuiteName{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", false},
    SuiteName{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", false},
    SuiteName{"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", false},
    SuiteName{"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305", false},
    SuiteName{"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
              false},
    SuiteName{"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305", false},
    SuiteName{"TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", true},
    SuiteName{"TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", true},
    SuiteName{"TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", true},
};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<Version> parseMinVersion(std::string_view value) {
  // Go's flag takes an empty value as "not set": the default (docs/behaviour.md §1.1).
  if (value.empty()) return Version::kTls12;
  static constexpr std::array<std::pair<std::string_view, Version>, 8> kVersions = {{
      {"1.0", Version::kTls10},
      {"1.1", Version::kTls11},
      {"1.2", Version::kTls12},
      {"1.3", Version::kTls13},
      {"VersionTLS10", Version::kTls10},
      {"VersionTLS11", Version::kTls11},
      {"VersionTLS12", Version::kTls12},
      {"VersionTLS13", Version::kTls13},
  }};
  for (const auto& [name, version] : kVersions) {
    if (name == value) return version;
  }
  return invalidArgument(
      "must be one of 1.0, 1.1, 1.2, 1.3, VersionTLS10, VersionTLS11, VersionTLS12, "
      "VersionTLS13");
}

Result<CipherSuites> parseCipherSuites(std::string_view comma_list) {
  CipherSuites suites;
  while (!comma_list.empty()) {
    const std::size_t comma = comma_list.find(',');
    const std::string_view name = trim(comma_list.substr(0, comma));
    comma_list =
        comma == std::string_view::npos ? std::string_view() : comma_list.substr(comma + 1);
    if (name.empty()) continue;
    const SuiteName* found = nullptr;
    for (const SuiteName& suite : kSuites) {
      if (suite.iana == name) found = &suite;
    }
    if (found == nullptr) {
      return invalidArgument("unknown or unsupported cipher suite \"" + std::string(name) + "\"");
    }
    std::string& list = found->tls13 ? suites.tls13 : suites.tls12;
    if (!list.empty()) list += ':';
    list += found->openssl;
  }
  return suites;
}

}  // namespace irsa::tls
