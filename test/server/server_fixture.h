#pragma once

// The real TLS server on 127.0.0.1 with certificates generated for each test: the fixture
// shared by the server's test files, and the Pod review they send.

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "irsa/concurrency/manual_clock.h"
#include "irsa/server/webhook_server.h"
#include "irsa/status/status.h"
#include "support/raw_tls_client.h"
#include "support/tls_test_files.h"

namespace irsa::server {

using namespace std::chrono_literals;

inline std::string podReview() {
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
    "uid":"u-1","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"ns",
    "operation":"CREATE","object":{"metadata":{"name":"p"},
    "spec":{"serviceAccountName":"app","containers":[{"name":"c"}]}}}})";
}

// True when a plain TCP connection to 127.0.0.1:port is accepted.
inline bool tcpConnects(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::installCertificates(dir_, test::makeTestCertificates("first"));
    const Status loaded = certificates_.loadNow();
    ASSERT_TRUE(loaded.ok()) << loaded.message();
  }

  // Binds 127.0.0.1 unless `keep_bind_address` (then options.bind_address, "::" by default).
  void startServer(ServerOptions options = {}, bool keep_bind_address = false) {
    if (!keep_bind_address) options.bind_address = "127.0.0.1";
    options.port = 0;
    options.metrics_port = 0;
    server_ = std::make_unique<WebhookServer>(options, handler_, certificates_, metrics_, [this] {
      return synced_ ? okStatus() : failedPrecondition("cache not synced");
    });
    const Status started = server_->start();
    ASSERT_TRUE(started.ok()) << started.message();
  }

  void TearDown() override {
    {
      // A failed test must not leave handlers blocked: shutdown waits for them.
      std::lock_guard lock(slow_mutex_);
      slow_released_ = true;
    }
    slow_changed_.notify_all();
    if (server_) server_->shutdown(0ms);
  }

  // Lets one watch interval pass and returns once the watcher has checked the files and
  // waits again, so an assertion after it sees what that check did.
  void certificateCheckAfterChange() {
    const std::uint64_t waits = clock_.waitsBegun();
    clock_.advance(kWatchInterval);
    ASSERT_TRUE(clock_.awaitWaitsBegun(waits + 1));
  }

  // watch() on the ManualClock; returns once the watcher waits for its first check.
  void watchCertificates() {
    certificates_.watch(kWatchInterval);
    ASSERT_TRUE(clock_.awaitWaitsBegun(1));
  }

  std::unique_ptr<httplib::SSLClient> newClient() {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", server_->port());
    c->enable_server_certificate_verification(false);
    c->set_keep_alive(true);
    c->set_read_timeout(5, 0);
    return c;
  }

  admission::LookupResult lookup(const std::string&, const std::string& sa) {
    std::this_thread::sleep_for(lookup_delay_.load());
    if (sa == "slow") {
      std::unique_lock lock(slow_mutex_);
      ++slow_waiting_;
      slow_changed_.notify_all();
      slow_changed_.wait(lock, [this] { return slow_released_; });
    }
    if (sa == "throws") throw std::runtime_error("lookup failed in a way nobody planned for");
    admission::LookupResult result;
    if (sa == "app") {
      mutate::Identity identity;
      identity.role_arn = "arn:aws:iam::111122223333:role/app";
      identity.audience = "sts.amazonaws.com";
      result.identity = identity;
    }
    return result;
  }

  static constexpr std::chrono::milliseconds kWatchInterval{20};
  test::TempDir dir_;
  concurrency::ManualClock clock_;  // the certificate watcher's: tests move it
  CertificateStore certificates_{dir_.file("tls.crt"), dir_.file("tls.key"), clock_};
  MetricsRegistry metrics_;
  std::atomic<bool> synced_{true};
  std::atomic<std::chrono::milliseconds> lookup_delay_{0ms};
  std::mutex slow_mutex_;
  std::condition_variable slow_changed_;
  int slow_waiting_ = 0;
  bool slow_released_ = false;
  admission::ReviewHandler handler_{
      mutate::MutationOptions{},
      [this](const std::string& ns, const std::string& sa) { return lookup(ns, sa); },
      [](std::int64_t, std::int64_t high) { return high; }};
  std::unique_ptr<WebhookServer> server_;
};

// A review whose ServiceAccount is `service_account` (the fixture's lookup knows "app",
// "slow" and "throws").
inline std::string podReviewFor(const std::string& service_account) {
  std::string review = podReview();
  review.replace(review.find("\"app\""), 5, "\"" + service_account + "\"");
  return review;
}

}  // namespace irsa::server
