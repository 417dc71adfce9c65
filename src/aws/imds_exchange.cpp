#include "aws/imds_exchange.h"

#include <httplib.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace irsa::aws {
namespace {

// Stops `client` (closing its socket, which fails the blocked read or write) unless
// destroyed before `deadline`.
class DeadlineWatchdog {
 public:
  DeadlineWatchdog(httplib::ClientImpl& client, ImdsClock::time_point deadline)
      : thread_([this, &client, deadline] {
          std::unique_lock lock(mutex_);
          if (!finished_changed_.wait_until(lock, deadline, [this] { return finished_; })) {
            fired_ = true;
            client.stop();
          }
        }) {}
  ~DeadlineWatchdog() {
    {
      const std::lock_guard lock(mutex_);
      finished_ = true;
    }
    finished_changed_.notify_all();
    thread_.join();
  }
  DeadlineWatchdog(const DeadlineWatchdog&) = delete;
  DeadlineWatchdog& operator=(const DeadlineWatchdog&) = delete;

  bool fired() {
    const std::lock_guard lock(mutex_);
    return fired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable finished_changed_;
  bool finished_ = false;
  bool fired_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

template <typename Duration>
void setTimeouts(httplib::ClientImpl& client, const ImdsClientOptions& options, Duration left) {
  const auto bounded = [&](std::chrono::milliseconds timeout) {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::min<Duration>(timeout, left));
  };
  client.set_connection_timeout(bounded(options.connect_timeout));
  client.set_read_timeout(bounded(options.response_timeout));
  client.set_write_timeout(bounded(options.response_timeout));
}

}  // namespace

ImdsReply sendImdsRequest(const ImdsClientOptions& options, const ImdsRequest& request,
                          ImdsClock::time_point deadline) {
  ImdsReply reply;
  const auto left = deadline - ImdsClock::now();
  if (left <= ImdsClock::duration::zero()) {
    reply.deadline_exceeded = true;
    reply.transport_error = "deadline exceeded";
    return reply;
  }
  httplib::ClientImpl client(options.endpoint.host, options.endpoint.port);
  setTimeouts(client, options, left);
  client.set_keep_alive(false);
  httplib::Request http_request;
  http_request.method = request.method;
  http_request.path = request.path;
  // As written in the URL: the library would join an IPv6 host and port without brackets.
  http_request.set_header("Host", options.endpoint.authority);
  for (const auto& [name, value] : request.headers) http_request.set_header(name, value);

  DeadlineWatchdog watchdog(client, deadline);
  const httplib::Result result = client.send(http_request);
  if (watchdog.fired() || ImdsClock::now() >= deadline) {
    reply.deadline_exceeded = true;
    reply.transport_error = "deadline exceeded";
    return reply;
  }
  if (!result) {
    reply.transport_error = httplib::to_string(result.error());
    return reply;
  }
  reply.status = result->status;
  reply.body = result->body;
  reply.token_ttl = result->get_header_value("X-aws-ec2-metadata-token-ttl-seconds");
  return reply;
}

}  // namespace irsa::aws
