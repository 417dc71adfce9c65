// Transport failures name their cause, so a retry log line says what to fix.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "irsa/kube/api_client.h"
#include "support/fake_api_server.h"
#include "support/tls_test_files.h"

namespace irsa::kube {
namespace {

// A port on loopback with nothing listening: bound, never listened on, then closed.
int closedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), length), 0);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::string errorOf(ClientConfig config) {
  ApiClient client(std::move(config), 1000, 1000, std::chrono::seconds(2));
  const ApiResponse response = client.get("/api/v1/serviceaccounts");
  EXPECT_EQ(response.status, 0);
  return response.error;
}

TEST(TransportErrorTest, RefusedConnectionSaysSo) {
  // Fails before the fix: the message was "https://127.0.0.1:N: Connection".
  ClientConfig config;
  config.server = "https://127.0.0.1:" + std::to_string(closedPort());
  const std::string error = errorOf(config);
  EXPECT_NE(error.find("Connection refused"), std::string::npos) << error;
  EXPECT_EQ(error.rfind(config.server, 0), 0u) << "starts with the server: " << error;
}

TEST(TransportErrorTest, UntrustedServerCertificateSaysSo) {
  test::FakeApiServer api;
  ClientConfig config;
  config.server = api.url();
  config.ca_pem = test::makeTestCertificates("other-ca").ca_certificate;
  const std::string error = errorOf(config);
  EXPECT_NE(error.find("not signed by the configured CA"), std::string::npos) << error;
}

TEST(TransportErrorTest, TlsToAPlainHttpPortSaysItIsNotTls) {
  httplib::Server plain;
  plain.Get("/.*",
            [](const httplib::Request&, httplib::Response& r) { r.set_content("x", "a/b"); });
  const int port = plain.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { plain.listen_after_bind(); });
  while (!plain.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ClientConfig config;
  config.server = "https://127.0.0.1:" + std::to_string(port);
  config.insecure_skip_tls_verify = true;
  const std::string error = errorOf(config);
  plain.stop();
  serving.join();
  EXPECT_NE(error.find("SSL"), std::string::npos) << error;
  EXPECT_NE(error.find("error:"), std::string::npos) << "carries OpenSSL's reason: " << error;
}

}  // namespace
}  // namespace irsa::kube
