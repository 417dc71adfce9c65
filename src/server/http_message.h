#pragma once

// HTTP/1.1 request parsing and response writing for the admission port (RFC 9112), as
// pure functions over byte buffers so every rule is unit-tested without sockets.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace irsa::server {

struct ParsedRequest {
  enum class Status {
    kIncomplete,    // need more bytes
    kNeedContinue,  // headers done; the client waits for "100 Continue" before the body
    kComplete,      // a whole request: the fields below are set
    kError,         // answer error_status and close the connection
  };
  Status status = Status::kIncomplete;
  int error_status = 0;
  std::string error_reason;

  std::string_view method;
  std::string_view path;  // the request target without its query string
  std::string_view content_type;
  std::string_view body;
  bool keep_alive = true;
  bool http_1_0 = false;     // answers carry "Connection: keep-alive" when kept open
  bool head = false;         // HEAD: answer without a body
  std::size_t consumed = 0;  // bytes of `data` this request used (pipelined data follows)
  // For a 413: body bytes still to come. Reading (and dropping) them before closing lets
  // a client that sends its whole body before reading see the answer instead of a reset.
  std::uint64_t unread_body_bytes = 0;
};

struct RequestLimits {
  std::size_t max_header_bytes = std::size_t{16} * 1024;
  std::size_t max_body_bytes = std::size_t{3} * 1024 * 1024;
};

// Parses the request at the start of `data`. `continue_sent` says whether "100 Continue"
// was already sent for it. The views point into `data`.
ParsedRequest parseRequest(std::string_view data, const RequestLimits& limits, bool continue_sent);

enum class ConnectionHeader { kNone, kClose, kKeepAlive };

// Appends a complete response with Content-Type and Content-Length.
void appendResponse(std::string& out, int status, std::string_view content_type,
                    std::string_view body, ConnectionHeader connection, bool omit_body = false);

inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace irsa::server
