// --read-timeout as the operator writes it, through the real binary: a sub-second value is
// the deadline a stalled request gets, not a whole second.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "support/tls_test_files.h"
#include "support/webhook_process.h"

namespace irsa {
namespace {

using namespace std::chrono_literals;

const std::string kExamples = std::string(IRSA_TEST_DATA_DIR) + "/../examples";

// Sends the start of a request over TLS and measures how long the server waits for the
// rest before it closes the connection (at most 5 s).
std::chrono::milliseconds stalledRequestLifetime(int port) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  SSL* ssl = SSL_new(context);
  SSL_set_fd(ssl, fd);
  std::chrono::milliseconds lifetime{-1};
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      SSL_connect(ssl) == 1) {
    const std::string partial = "POST /mutate HTTP/1.1\r\nHost: webhook\r\n";
    const auto sent = std::chrono::steady_clock::now();
    if (SSL_write(ssl, partial.data(), static_cast<int>(partial.size())) > 0) {
      char buffer[4096];
      while (SSL_read(ssl, buffer, sizeof buffer) > 0) {
      }
      lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - sent);
    }
  }
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(context);
  return lifetime;
}

TEST(BinaryTimeouts, SubSecondReadTimeoutCutsAStalledRequestInTime) {
  test::TempDir dir;
  test::installCertificates(dir, test::makeTestCertificates());
  const int port = test::freePort();
  test::WebhookProcess process(
      IRSA_BINARY,
      {"--bind-address=127.0.0.1", "--port=" + std::to_string(port),
       "--metrics-port=" + std::to_string(test::freePort()), "--tls-cert=" + dir.file("tls.crt"),
       "--tls-key=" + dir.file("tls.key"),
       "--service-accounts-file=" + kExamples + "/service-accounts.yaml", "--read-timeout=200ms",
       "--shutdown-drain-delay=0s"},
      dir.file("webhook.log"));
  ASSERT_TRUE(process.waitReady(port, 10000)) << test::readFile(dir.file("webhook.log"));
  const std::chrono::milliseconds lifetime = stalledRequestLifetime(port);
  EXPECT_GE(lifetime, 150ms);
  // Rounded to whole seconds, as it used to be, the connection lived at least a second.
  EXPECT_LT(lifetime, 950ms);
}

}  // namespace
}  // namespace irsa
