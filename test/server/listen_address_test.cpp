// Listening addresses: the dual-stack default (docs/configuration.md, "Listening
// addresses").

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

#include "server/listen_socket.h"
#include "server/server_fixture.h"

namespace irsa::server {
namespace {

using test::RawTlsClient;
using test::RawTlsOptions;
using ListenAddressTest = ServerTest;

bool tcpConnectsOverIpv6(int port) {
  const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(static_cast<std::uint16_t>(port));
  address.sin6_addr = in6addr_loopback;
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

std::string healthOver(int port, bool ipv6) {
  RawTlsOptions options;
  options.ipv6 = ipv6;
  RawTlsClient client(port, options);
  if (!client.connected()) return "no connection";
  client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  return client.readUntil("ok\n");
}

TEST_F(ListenAddressTest, TheDefaultAddressServesIpv4AndIpv6Clients) {
  ServerOptions options;
  ASSERT_EQ(options.bind_address, "::");
  startServer(options, true);
  EXPECT_NE(healthOver(server_->port(), false).find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_NE(healthOver(server_->port(), true).find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_TRUE(tcpConnects(server_->metricsPort())) << "metrics over 127.0.0.1";
  EXPECT_TRUE(tcpConnectsOverIpv6(server_->metricsPort())) << "metrics over ::1";
}

TEST_F(ListenAddressTest, AnIpv4AddressServesIpv4Only) {
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  startServer(options, true);
  EXPECT_NE(healthOver(server_->port(), false).find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_EQ(healthOver(server_->port(), true), "no connection");
}

TEST(ListenSocketTest, DualStackSocketIsIpv6WithMappedIpv4) {
  Result<FileDescriptor> listening = listenTcp("::", 0);
  ASSERT_TRUE(listening.ok()) << listening.status().message();
  sockaddr_in6 bound{};
  socklen_t size = sizeof bound;
  ASSERT_EQ(::getsockname(listening->get(), reinterpret_cast<sockaddr*>(&bound), &size), 0);
  EXPECT_EQ(bound.sin6_family, AF_INET6);
  int v6only = 1;
  socklen_t option_size = sizeof v6only;
  ::getsockopt(listening->get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &option_size);
  EXPECT_EQ(v6only, 0);
  EXPECT_TRUE(tcpConnects(ntohs(bound.sin6_port)));
}

TEST(ListenSocketTest, BadAddressesAreRefusedWithTheAddress) {
  const Result<FileDescriptor> listening = listenTcp("not an address", 0);
  ASSERT_FALSE(listening.ok());
  EXPECT_NE(listening.status().message().find("not an address"), std::string::npos);
}

TEST(ListenSocketTest, EndpointTextBracketsIpv6) {
  EXPECT_EQ(endpointText("::", 443), "[::]:443");
  EXPECT_EQ(endpointText("0.0.0.0", 443), "0.0.0.0:443");
}

}  // namespace
}  // namespace irsa::server
