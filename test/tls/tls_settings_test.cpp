#include "irsa/tls/tls_settings.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

namespace irsa::tls {
namespace {

// The server hands these numbers to SSL_CTX_set_min_proto_version unchanged.
static_assert(static_cast<int>(Version::kTls10) == TLS1_VERSION);
static_assert(static_cast<int>(Version::kTls11) == TLS1_1_VERSION);
static_assert(static_cast<int>(Version::kTls12) == TLS1_2_VERSION);
static_assert(static_cast<int>(Version::kTls13) == TLS1_3_VERSION);

TEST(TlsSettings, MinVersionNames) {
  EXPECT_EQ(parseMinVersion("1.0").value(), Version::kTls10);
  EXPECT_EQ(parseMinVersion("VersionTLS11").value(), Version::kTls11);
  EXPECT_EQ(parseMinVersion("1.3").value(), Version::kTls13);
  EXPECT_EQ(parseMinVersion("").value(), Version::kTls12) << "empty means the default";
  EXPECT_FALSE(parseMinVersion("1.4").ok());
  EXPECT_FALSE(parseMinVersion("TLS12").ok());
}

TEST(TlsSettings, CipherSuitesMapToOpenSsl) {
  const auto result = parseCipherSuites(
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,"
      "TLS_AES_256_GCM_SHA384");
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->tls12, "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305");
  EXPECT_EQ(result->tls13, "TLS_AES_256_GCM_SHA384");
  // Every mapped name must be one OpenSSL accepts.
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  EXPECT_EQ(SSL_CTX_set_cipher_list(context, result->tls12.c_str()), 1);
  EXPECT_EQ(SSL_CTX_set_ciphersuites(context, result->tls13.c_str()), 1);
  SSL_CTX_free(context);
}

TEST(TlsSettings, UnknownCipherSuiteIsNamed) {
  const auto result = parseCipherSuites("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_FAKE");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("TLS_FAKE"), std::string::npos);
  EXPECT_FALSE(parseCipherSuites("TLS_RSA_WITH_RC4_128_SHA").ok());
  EXPECT_TRUE(parseCipherSuites("").ok());
}

}  // namespace
}  // namespace irsa::tls
