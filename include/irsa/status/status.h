#pragma once

// The one way a fallible call says what went wrong, across every module border: a code
// for the caller's decision and a message for the log line or the HTTP body. Modelled on
// absl::Status, reduced to what this project needs.

#include <string>
#include <string_view>
#include <utility>

namespace irsa {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // the input itself is wrong (a flag, a request body, a file's text)
  kNotFound,            // a named thing does not exist
  kFailedPrecondition,  // the input is fine but the state is not (e.g. not loaded yet)
  kUnavailable,         // a dependency did not answer (API server down, connection refused)
  kDeadlineExceeded,    // it answered too late
  kResourceExhausted,   // a limit was hit (body too large, too many connections)
  kInternal,            // a bug or an exception caught at a barrier
};

std::string_view statusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "context: message", so an error read far from where it happened says where it came
  // from ("--tls-cert: no such file"). An OK status stays OK.
  Status withContext(std::string_view context) const {
    if (ok()) return *this;
    return {code_, std::string(context) + ": " + message_};
  }

  // Explicitly drops a status whose failure the caller has decided not to act on.
  void ignore() const {}

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status okStatus() {
  return {};
}
inline Status invalidArgument(std::string message) {
  return {StatusCode::kInvalidArgument, std::move(message)};
}
inline Status notFound(std::string message) {
  return {StatusCode::kNotFound, std::move(message)};
}
inline Status failedPrecondition(std::string message) {
  return {StatusCode::kFailedPrecondition, std::move(message)};
}
inline Status unavailable(std::string message) {
  return {StatusCode::kUnavailable, std::move(message)};
}
inline Status deadlineExceeded(std::string message) {
  return {StatusCode::kDeadlineExceeded, std::move(message)};
}
inline Status resourceExhausted(std::string message) {
  return {StatusCode::kResourceExhausted, std::move(message)};
}
inline Status internalError(std::string message) {
  return {StatusCode::kInternal, std::move(message)};
}

inline std::string_view statusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN";
}

}  // namespace irsa
