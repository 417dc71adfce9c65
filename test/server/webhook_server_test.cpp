// The real TLS server on 127.0.0.1 with certificates generated for each test.

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/ssl.h>

#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/server_fixture.h"

namespace irsa::server {
namespace {

using nlohmann::json;
using test::RawTlsClient;

TEST_F(ServerTest, MutatesOverTlsAndVerifiesAgainstTheCa) {
  startServer();
  httplib::SSLClient c("localhost", server_->port());
  c.set_ca_cert_path(dir_.file("ca.crt"));
  c.enable_server_certificate_verification(true);
  const auto response = c.Post("/mutate", podReview(), "application/json");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
  const json body = json::parse(response->body);
  EXPECT_EQ(body["response"]["uid"], "u-1");
  EXPECT_EQ(body["response"]["patchType"], "JSONPatch");
}

TEST_F(ServerTest, ErrorStatusesOverHttp) {
  startServer();
  auto c = newClient();
  EXPECT_EQ(c->Get("/mutate")->status, 405);
  EXPECT_EQ(c->Post("/mutate", podReview(), "text/plain")->status, 415);
  EXPECT_EQ(c->Post("/mutate", "{not json", "application/json")->status, 400);
  EXPECT_EQ(c->Get("/nope")->status, 404);
}

TEST_F(ServerTest, OversizedBodyIs413) {
  ServerOptions options;
  options.max_request_bytes = std::size_t{1024} * 1024;
  startServer(options);
  auto c = newClient();
  const std::string huge(std::size_t{50} * 1024 * 1024, ' ');
  const auto response = c->Post("/mutate", huge, "application/json");
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 413);
  // The server is still healthy afterwards.
  EXPECT_EQ(newClient()->Post("/mutate", podReview(), "application/json")->status, 200);
}

TEST_F(ServerTest, HealthAndReadiness) {
  startServer();
  auto c = newClient();
  EXPECT_EQ(c->Get("/healthz")->status, 200);
  EXPECT_EQ(c->Get("/readyz")->status, 200);
  synced_ = false;
  const auto not_ready = c->Get("/readyz");
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_EQ(not_ready->body, "cache not synced\n");
}

TEST_F(ServerTest, CertificateSwapKeepsOldConnectionsAndServesNewOnes) {
  watchCertificates();
  startServer();
  auto kept = newClient();
  ASSERT_EQ(kept->Post("/mutate", podReview(), "application/json")->status, 200);
  EXPECT_EQ(test::servedCommonName(server_->port()), "first");

  test::installCertificates(dir_, test::makeTestCertificates("second"));
  certificateCheckAfterChange();
  EXPECT_EQ(test::servedCommonName(server_->port()), "second");
  const auto again = kept->Post("/mutate", podReview(), "application/json");
  ASSERT_TRUE(again) << httplib::to_string(again.error());
  EXPECT_EQ(again->status, 200);
}

TEST_F(ServerTest, GarbageCertificateFilesKeepThePreviousPair) {
  watchCertificates();
  startServer();
  test::writeFile(dir_.file("tls.crt"), "garbage");
  test::writeFile(dir_.file("tls.key"), "more garbage");
  certificateCheckAfterChange();
  EXPECT_EQ(test::servedCommonName(server_->port()), "first");
  EXPECT_EQ(newClient()->Get("/readyz")->status, 200);
  // A key that does not match the certificate is refused too.
  const auto other = test::makeTestCertificates("mismatch");
  test::writeFile(dir_.file("tls.crt"), other.certificate);
  test::writeFile(dir_.file("tls.key"), test::makeTestCertificates("x").key);
  certificateCheckAfterChange();
  EXPECT_EQ(test::servedCommonName(server_->port()), "first");
  // The same store does take a good pair on the next check: the checks above ran.
  test::installCertificates(dir_, test::makeTestCertificates("third"));
  certificateCheckAfterChange();
  EXPECT_EQ(test::servedCommonName(server_->port()), "third");
}

TEST_F(ServerTest, MissingCertificateMeansNotReadyAndNoHandshake) {
  CertificateStore empty(dir_.file("absent.crt"), dir_.file("absent.key"));
  EXPECT_FALSE(empty.loadNow().ok());
  EXPECT_FALSE(empty.hasCertificate());
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  options.metrics_port = -1;
  WebhookServer server(options, handler_, empty, metrics_, nullptr);
  const Status started = server.start();
  ASSERT_TRUE(started.ok()) << started.message();
  // /readyz answers from readiness(); no client can reach it without a certificate.
  const Status readiness = server.readiness();
  EXPECT_EQ(readiness.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(readiness.message(), "no serving certificate loaded");
  EXPECT_FALSE(test::servedCommonName(server.port()).has_value())
      << "a handshake completed without a serving certificate";
  server.shutdown(0ms);
}

TEST_F(ServerTest, MinimumTlsVersionIsEnforced) {
  ServerOptions options;
  options.tls_min_version = static_cast<int>(tls::Version::kTls12);
  startServer(options);
  EXPECT_FALSE(test::servedCommonName(server_->port(), TLS1_1_VERSION).has_value());
  EXPECT_TRUE(test::servedCommonName(server_->port(), TLS1_2_VERSION).has_value());
}

TEST_F(ServerTest, Tls13OnlyRefusesTls12Clients) {
  ServerOptions options;
  options.tls_min_version = static_cast<int>(tls::Version::kTls13);
  startServer(options);
  EXPECT_FALSE(test::servedCommonName(server_->port(), TLS1_2_VERSION).has_value());
  EXPECT_TRUE(test::servedCommonName(server_->port()).has_value());
}

TEST_F(ServerTest, ShutdownDrainsAndFinishesInFlightRequests) {
  startServer();
  const int port = server_->port();
  std::string slow_review = podReview();
  slow_review.replace(slow_review.find("\"app\""), 5, "\"slow\"");
  auto in_flight = std::async(std::launch::async, [this, &slow_review] {
    auto response = newClient()->Post("/mutate", slow_review, "application/json");
    return response ? response->status : -1;
  });
  {
    std::unique_lock lock(slow_mutex_);
    ASSERT_TRUE(slow_changed_.wait_for(lock, 10s, [&] { return slow_waiting_ == 1; }));
  }
  auto stopping = std::async(std::launch::async, [this] { server_->shutdown(300ms); });
  // The drain has begun once /readyz says so; the request is still held in the handler.
  int drain_status = 0;
  std::string drain_body;
  std::string drain_connection;
  for (int i = 0; i < 100 && drain_status != 503; ++i) {
    if (const auto readyz = newClient()->Get("/readyz")) {
      drain_status = readyz->status;
      drain_body = readyz->body;
      drain_connection = readyz->get_header_value("Connection");
    }
    if (drain_status != 503) std::this_thread::sleep_for(2ms);
  }
  EXPECT_EQ(drain_status, 503);
  EXPECT_EQ(drain_body, "shutting down\n");
  EXPECT_EQ(drain_connection, "close");
  {
    std::lock_guard lock(slow_mutex_);
    slow_released_ = true;
  }
  slow_changed_.notify_all();
  EXPECT_EQ(in_flight.get(), 200) << "the in-flight request is answered, not cut";
  stopping.get();
  server_.reset();
  EXPECT_FALSE(tcpConnects(port)) << "the listener is closed after shutdown";
}

TEST_F(ServerTest, HandlerExceptionIs500AndTheServerKeepsServing) {
  startServer();
  std::string throwing_review = podReview();
  throwing_review.replace(throwing_review.find("\"app\""), 5, "\"throws\"");
  auto c = newClient();
  const auto failed = c->Post("/mutate", throwing_review, "application/json");
  ASSERT_TRUE(failed) << httplib::to_string(failed.error());
  EXPECT_EQ(failed->status, 500);
  EXPECT_EQ(failed->body.find('\n'), failed->body.size() - 1) << "one line: " << failed->body;
  EXPECT_EQ(failed->body.find("nobody planned"), std::string::npos) << "no internals in the body";
  const auto next = c->Post("/mutate", podReview(), "application/json");
  ASSERT_TRUE(next) << httplib::to_string(next.error());
  EXPECT_EQ(next->status, 200);
  httplib::Client metrics("127.0.0.1", server_->metricsPort());
  const auto scraped = metrics.Get("/metrics");
  ASSERT_TRUE(scraped);
  EXPECT_NE(scraped->body.find("irsa_webhook_handler_exceptions_total 1\n"), std::string::npos)
      << scraped->body;
  EXPECT_NE(scraped->body.find(R"(http_request_count{verb="POST",path="/mutate",code="500"} 1)"),
            std::string::npos)
      << scraped->body;
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  startServer();
  RawTlsClient client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("GET /healthz HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\n"));
  const std::string received = client.readUntil("HTTP/1.1 ", 2);
  const std::size_t ok = received.find("HTTP/1.1 200 OK");
  const std::size_t missing = received.find("HTTP/1.1 404 Not Found");
  ASSERT_NE(ok, std::string::npos) << received;
  ASSERT_NE(missing, std::string::npos) << received;
  EXPECT_LT(ok, missing);
}

TEST_F(ServerTest, ExpectContinueGetsA100BeforeTheBody) {
  startServer();
  RawTlsClient client(server_->port());
  ASSERT_TRUE(client.connected());
  const std::string body = podReview();
  ASSERT_TRUE(
      client.send("POST /mutate HTTP/1.1\r\nContent-Type: application/json\r\n"
                  "Expect: 100-continue\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n"));
  EXPECT_EQ(client.readUntil("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.send(body));
  const std::string received = client.readUntil("JSONPatch");
  EXPECT_NE(received.find("HTTP/1.1 200 OK"), std::string::npos) << received;
}

TEST_F(ServerTest, StalledRequestIsCutAfterTheReadTimeout) {
  ServerOptions options;
  options.read_timeout = 1s;
  startServer(options);
  RawTlsClient client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("POST /mutate HTTP/1.1\r\nContent-Length: 100\r\n\r\n{"));
  EXPECT_TRUE(client.closedByPeer()) << "a request that never completes is not kept forever";
  EXPECT_EQ(newClient()->Get("/healthz")->status, 200);
}

TEST_F(ServerTest, BlockedHandlersDoNotStallOtherConnections) {
  startServer();
  // More requests blocked in the handler than threads that take events when none blocks.
  const int blocked = static_cast<int>(2 * std::max(1U, std::thread::hardware_concurrency())) + 2;
  std::string slow_review = podReview();
  slow_review.replace(slow_review.find("\"app\""), 5, "\"slow\"");
  std::vector<std::future<int>> slow;
  slow.reserve(static_cast<std::size_t>(blocked));
  for (int i = 0; i < blocked; ++i) {
    slow.push_back(std::async(std::launch::async, [this, &slow_review] {
      auto response = newClient()->Post("/mutate", slow_review, "application/json");
      return response ? response->status : -1;
    }));
  }
  {
    std::unique_lock lock(slow_mutex_);
    ASSERT_TRUE(slow_changed_.wait_for(lock, 10s, [&] { return slow_waiting_ == blocked; }));
  }
  // Every slow request is still held: a fast one must get through regardless.
  const auto fast = newClient()->Post("/mutate", podReview(), "application/json");
  ASSERT_TRUE(fast) << httplib::to_string(fast.error());
  EXPECT_EQ(fast->status, 200);
  {
    std::lock_guard lock(slow_mutex_);
    EXPECT_EQ(slow_waiting_, blocked);
    slow_released_ = true;
  }
  slow_changed_.notify_all();
  for (auto& request : slow) EXPECT_EQ(request.get(), 200);
}

TEST_F(ServerTest, ShutdownClosesIdleKeepAliveConnectionsAtOnce) {
  ServerOptions options;
  options.keep_alive_timeout = 60s;
  startServer(options);
  auto client = newClient();
  ASSERT_EQ(client->Get("/healthz")->status, 200);  // the connection stays open, idle
  const auto started = std::chrono::steady_clock::now();
  server_->shutdown(0ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s)
      << "shutdown must not wait for the keep-alive timeout";
  server_.reset();
}

TEST_F(ServerTest, MetricsAreServedInPrometheusFormat) {
  startServer();
  auto c = newClient();
  c->Post("/mutate", podReview(), "application/json");
  c->Post("/mutate", "{", "application/json");
  httplib::Client metrics("127.0.0.1", server_->metricsPort());
  const auto response = metrics.Get("/metrics");
  ASSERT_TRUE(response);
  const std::string& text = response->body;
  EXPECT_NE(text.find(R"(pod_identity_webhook_pod_count{method="sts_web_identity"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(http_request_count{verb="POST",path="/mutate",code="200"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(http_request_count{verb="POST",path="/mutate",code="400"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find("irsa_webhook_admission_duration_seconds_count 1"), std::string::npos);
  EXPECT_NE(text.find("# TYPE irsa_webhook_admission_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(text.find("pod_identity_webhook_missing_sa_count 0"), std::string::npos);
}

}  // namespace
}  // namespace irsa::server
