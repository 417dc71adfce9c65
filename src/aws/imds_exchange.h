#pragma once

// One HTTP exchange with IMDS that never outlives its deadline: the SDK's per-connection and
// per-read timeouts apply, and a watchdog closes the socket when the whole operation's
// deadline passes, so a server that trickles bytes cannot hold start-up
// (docs/behaviour.md §1.4).

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "irsa/aws/imds_settings.h"

namespace irsa::aws {

using ImdsClock = std::chrono::steady_clock;

struct ImdsRequest {
  std::string method;  // "GET" or "PUT"
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ImdsReply {
  int status = 0;  // 0: no HTTP response, see `transport_error`
  std::string body;
  std::string token_ttl;        // the X-aws-ec2-metadata-token-ttl-seconds response header
  std::string transport_error;  // why there is no response
  bool deadline_exceeded = false;
};

ImdsReply sendImdsRequest(const ImdsClientOptions& options, const ImdsRequest& request,
                          ImdsClock::time_point deadline);

}  // namespace irsa::aws
