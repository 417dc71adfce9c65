#pragma once

// A scripted instance metadata service on loopback (127.0.0.1 or ::1) for the IMDS client
// tests: each path answers with the next status of its script (the last one repeats), and
// every request is recorded. No test sends anything to a non-loopback address.

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace irsa::aws::test {

struct RecordedRequest {
  std::string method;
  std::string path;
  std::string token;  // X-aws-ec2-metadata-token, "" when absent
  bool has_token = false;
  std::string token_ttl;  // X-aws-ec2-metadata-token-ttl-seconds
  std::string host;       // the Host header
};

// One scripted answer; `stall` delays it (cut short when the fake is destroyed).
struct Answer {
  int status = 200;
  std::chrono::milliseconds stall{0};
};

inline constexpr const char* kTokenPath = "/latest/api/token";
inline constexpr const char* kDocumentPath = "/latest/dynamic/instance-identity/document";
inline constexpr const char* kDocument = R"({"accountId":"123456789012","region":"cn-north-1"})";

class FakeImds {
 public:
  explicit FakeImds(const std::string& address = "127.0.0.1") {
    server_.Put(kTokenPath, [this](const httplib::Request& request, httplib::Response& response) {
      const Answer answer = next(request, token_answers_, token_served_);
      response.status = answer.status;
      if (answer.status == 200) {
        response.set_header("X-aws-ec2-metadata-token-ttl-seconds",
                            request.get_header_value("X-aws-ec2-metadata-token-ttl-seconds"));
        response.set_content("imds-token", "text/plain");
      }
    });
    server_.Get(kDocumentPath,
                [this](const httplib::Request& request, httplib::Response& response) {
                  const Answer answer = next(request, document_answers_, document_served_);
                  response.status = answer.status;
                  if (answer.status == 200) {
                    const std::lock_guard lock(mutex_);
                    response.set_content(document_, "application/json");
                  }
                });
    port_ = server_.bind_to_any_port(address);
    EXPECT_GT(port_, 0) << "cannot bind " << address;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    url_ = (address.find(':') != std::string::npos ? "http://[" + address + "]"
                                                   : "http://" + address) +
           ":" + std::to_string(port_);
  }
  ~FakeImds() {
    {
      const std::lock_guard lock(mutex_);
      released_ = true;
    }
    released_changed_.notify_all();
    server_.stop();
    thread_.join();
  }
  FakeImds(const FakeImds&) = delete;
  FakeImds& operator=(const FakeImds&) = delete;

  const std::string& url() const { return url_; }
  int port() const { return port_; }

  void tokenAnswers(std::vector<Answer> answers) {
    const std::lock_guard lock(mutex_);
    token_answers_ = std::move(answers);
  }
  void documentAnswers(std::vector<Answer> answers) {
    const std::lock_guard lock(mutex_);
    document_answers_ = std::move(answers);
  }
  void document(std::string body) {
    const std::lock_guard lock(mutex_);
    document_ = std::move(body);
  }

  std::vector<RecordedRequest> requests() {
    const std::lock_guard lock(mutex_);
    return requests_;
  }
  size_t count(const std::string& path) {
    const std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const RecordedRequest& request : requests_) n += request.path == path ? 1 : 0;
    return n;
  }

 private:
  Answer next(const httplib::Request& request, const std::vector<Answer>& script, size_t& served) {
    std::unique_lock lock(mutex_);
    RecordedRequest recorded{request.method,
                             request.path,
                             request.get_header_value("X-aws-ec2-metadata-token"),
                             request.has_header("X-aws-ec2-metadata-token"),
                             request.get_header_value("X-aws-ec2-metadata-token-ttl-seconds"),
                             request.get_header_value("Host")};
    requests_.push_back(std::move(recorded));
    const Answer answer = script.empty() ? Answer{} : script[std::min(served, script.size() - 1)];
    ++served;
    released_changed_.wait_for(lock, answer.stall, [this] { return released_; });
    return answer;
  }

  httplib::Server server_;
  std::mutex mutex_;
  std::condition_variable released_changed_;
  bool released_ = false;
  std::vector<RecordedRequest> requests_;
  std::vector<Answer> token_answers_;
  std::vector<Answer> document_answers_;
  size_t token_served_ = 0;
  size_t document_served_ = 0;
  std::string document_ = kDocument;
  int port_ = 0;
  std::string url_;
  std::thread thread_;
};

}  // namespace irsa::aws::test
