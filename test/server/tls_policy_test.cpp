// The admission port's TLS policy: versions, the default cipher suites, and client
// certificates (docs/security.md, "TLS" and "Client certificates").

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "server/server_fixture.h"

namespace irsa::server {
namespace {

using test::RawTlsClient;
using test::RawTlsOptions;

class TlsPolicyTest : public ServerTest {
 protected:
  // An RSA serving key, so that RSA key exchange could be negotiated at all.
  void useRsaCertificate() {
    test::installCertificates(dir_, test::makeTestCertificates("rsa", test::KeyType::kRsa));
    const Status loaded = certificates_.loadNow();
    ASSERT_TRUE(loaded.ok()) << loaded.message();
  }

  bool handshakes(const std::string& cipher_list) {
    RawTlsOptions options;
    options.cipher_list = cipher_list;
    return RawTlsClient(server_->port(), options).connected();
  }

  // POST /mutate over a connection presenting `certificate` (none when empty).
  std::string mutateWith(const test::TestCertificates* certificate) {
    RawTlsOptions options;
    if (certificate != nullptr) {
      options.certificate_pem = certificate->certificate;
      options.key_pem = certificate->key;
    }
    RawTlsClient client(server_->port(), options);
    if (!client.connected()) return "no handshake";
    const std::string body = podReview();
    client.send(
        "POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body);
    return client.readUntil("\r\n\r\n");
  }
};

TEST_F(TlsPolicyTest, Tls11IsRefusedByDefault) {
  startServer();
  EXPECT_FALSE(test::servedCommonName(server_->port(), TLS1_1_VERSION).has_value());
  EXPECT_TRUE(test::servedCommonName(server_->port(), TLS1_2_VERSION).has_value());
}

// Fails without the default list: OpenSSL's own default accepts both.
TEST_F(TlsPolicyTest, CbcAndRsaKeyExchangeAreRefusedByDefault) {
  useRsaCertificate();
  startServer();
  EXPECT_FALSE(handshakes("AES128-SHA")) << "RSA key exchange, CBC";
  EXPECT_FALSE(handshakes("AES128-GCM-SHA256")) << "RSA key exchange";
  EXPECT_FALSE(handshakes("ECDHE-RSA-AES128-SHA")) << "CBC";
  EXPECT_TRUE(handshakes("ECDHE-RSA-AES128-GCM-SHA256"));
  EXPECT_TRUE(handshakes("ECDHE-RSA-CHACHA20-POLY1305"));
}

TEST_F(TlsPolicyTest, ExplicitCipherSuitesAreHonoured) {
  useRsaCertificate();
  ServerOptions options;
  options.cipher_suites.tls12 = "ECDHE-RSA-AES128-SHA";
  startServer(options);
  EXPECT_TRUE(handshakes("ECDHE-RSA-AES128-SHA"));
  EXPECT_FALSE(handshakes("ECDHE-RSA-AES128-GCM-SHA256"));
}

TEST_F(TlsPolicyTest, ClientCaRequiresAVerifiedCertificateForMutate) {
  ServerOptions options;
  options.client_ca_file = dir_.file("ca.crt");
  startServer(options);
  // The fixture's serving pair is signed by ca.crt and allows clientAuth.
  const test::TestCertificates trusted{"", "", test::readFile(dir_.file("tls.crt")),
                                       test::readFile(dir_.file("tls.key"))};
  EXPECT_NE(mutateWith(&trusted).find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_NE(mutateWith(nullptr).find("HTTP/1.1 403 Forbidden"), std::string::npos);
  const test::TestCertificates stranger = test::makeTestCertificates("stranger");
  EXPECT_EQ(mutateWith(&stranger).find("HTTP/1.1 200"), std::string::npos)
      << "a certificate from another CA is refused";
  // kubelet's probes present no certificate: health and readiness stay reachable.
  EXPECT_EQ(newClient()->Get("/readyz")->status, 200);
}

TEST_F(TlsPolicyTest, UnreadableClientCaFileFailsTheStart) {
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  options.metrics_port = -1;
  options.client_ca_file = dir_.file("missing-ca.crt");
  WebhookServer server(options, handler_, certificates_, metrics_, nullptr);
  const Status started = server.start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.message().find("--client-ca-file"), std::string::npos) << started.message();
}

}  // namespace
}  // namespace irsa::server
