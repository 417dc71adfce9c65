#include "server/http_message.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <optional>

namespace irsa::server {
namespace {

// RFC 9110 token characters (method and header names).
constexpr std::array<bool, 256> tokenCharacters() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}
constexpr std::array<bool, 256> kToken = tokenCharacters();

bool isToken(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!kToken[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// True when the comma-separated list `value` contains `token` (case-insensitive), as in
// "Connection: keep-alive, Upgrade".
bool listContains(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (equalsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

ParsedRequest error(int status, std::string reason) {
  ParsedRequest request;
  request.status = ParsedRequest::Status::kError;
  request.error_status = status;
  request.error_reason = std::move(reason);
  request.keep_alive = false;
  return request;
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

std::string_view trimSpaces(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return value;
}

ParsedRequest headersTooLarge(const RequestLimits& limits) {
  return error(431, "request headers exceed " + std::to_string(limits.max_header_bytes) + " bytes");
}

// RFC 9112 §2.2 allows a server to accept a bare LF; this one refuses it, because otherwise
// a head ended by LF alone is never complete and the client waits for the read timeout.
bool hasBareLineFeed(std::string_view data, std::size_t start, std::size_t header_end) {
  const std::size_t limit = header_end == std::string_view::npos ? data.size() : header_end;
  for (std::size_t at = data.find('\n', start); at != std::string_view::npos && at < limit;
       at = data.find('\n', at + 1)) {
    if (at == start || data[at - 1] != '\r') return true;
  }
  return false;
}

// NUL and other control characters (except HTAB) are not allowed in field values
// (RFC 9110 §5.5); a value carrying them is refused rather than passed on.
bool hasControlCharacter(std::string_view value) {
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) return true;
  }
  return false;
}

// The header fields the server acts on, besides Content-Type (kept in the request).
struct HeaderFields {
  std::string_view connection;
  std::string_view expect;
  bool has_length = false;
  bool has_transfer_encoding = false;
  std::uint64_t length = 0;
};

// Request line: method SP target SP version, nothing else. Fills `request`; the error to
// answer when the line is malformed.
std::optional<ParsedRequest> readRequestLine(std::string_view line, ParsedRequest& request) {
  const std::size_t space1 = line.find(' ');
  const std::size_t space2 = space1 == std::string_view::npos ? space1 : line.find(' ', space1 + 1);
  if (space2 == std::string_view::npos || line.find(' ', space2 + 1) != std::string_view::npos) {
    return error(400, "malformed request line");
  }
  request.method = line.substr(0, space1);
  const std::string_view target = line.substr(space1 + 1, space2 - space1 - 1);
  const std::string_view version = line.substr(space2 + 1);
  if (!isToken(request.method)) return error(400, "malformed request method");
  if (target.empty() || target.front() != '/') return error(400, "malformed request target");
  if (version == "HTTP/1.0") {
    request.http_1_0 = true;
  } else if (version != "HTTP/1.1") {
    if (version.substr(0, 5) == "HTTP/") return error(505, "only HTTP/1.1 and HTTP/1.0");
    return error(400, "malformed request line");
  }
  request.path = target.substr(0, target.find('?'));
  request.head = request.method == "HEAD";
  return std::nullopt;
}

// One "name: value" line into `request` and `fields`; the error to answer when malformed.
std::optional<ParsedRequest> readHeaderField(std::string_view field, ParsedRequest& request,
                                             HeaderFields& fields) {
  if (field.empty()) return error(400, "malformed header line");
  if (field.front() == ' ' || field.front() == '\t') {
    return error(400, "folded header lines are not allowed");
  }
  const std::size_t colon = field.find(':');
  if (colon == std::string_view::npos || !isToken(field.substr(0, colon))) {
    return error(400, "malformed header line");
  }
  const std::string_view name = field.substr(0, colon);
  const std::string_view value = trimSpaces(field.substr(colon + 1));
  if (hasControlCharacter(value)) return error(400, "control character in a header value");
  if (equalsIgnoreCase(name, "content-length")) {
    std::uint64_t parsed = 0;
    const auto [end_of_number, status] =
        std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (value.empty() || status != std::errc() || end_of_number != value.data() + value.size()) {
      return error(400, "malformed Content-Length");
    }
    if (fields.has_length && parsed != fields.length) {
      return error(400, "conflicting Content-Length headers");
    }
    fields.has_length = true;
    fields.length = parsed;
  } else if (equalsIgnoreCase(name, "content-type")) {
    request.content_type = value;
  } else if (equalsIgnoreCase(name, "transfer-encoding")) {
    fields.has_transfer_encoding = true;
  } else if (equalsIgnoreCase(name, "connection")) {
    fields.connection = value;
  } else if (equalsIgnoreCase(name, "expect")) {
    fields.expect = value;
  }
  return std::nullopt;
}

// After the head: the body's framing, keep-alive, "100 Continue", and whether the whole
// body is in `data` (from `body_start`).
ParsedRequest readBody(std::string_view data, std::size_t body_start, const RequestLimits& limits,
                       bool continue_sent, ParsedRequest request, const HeaderFields& fields) {
  if (fields.has_transfer_encoding) {
    return error(411, "chunked request bodies are not supported; send Content-Length");
  }
  if (fields.length > limits.max_body_bytes) {
    ParsedRequest too_large =
        error(413, "request body exceeds " + std::to_string(limits.max_body_bytes) + " bytes");
    const std::size_t received = data.size() - body_start;
    too_large.unread_body_bytes = fields.length > received ? fields.length - received : 0;
    return too_large;
  }
  request.keep_alive = request.http_1_0 ? listContains(fields.connection, "keep-alive")
                                        : !listContains(fields.connection, "close");

  const auto body_length = static_cast<std::size_t>(fields.length);
  if (data.size() - body_start < body_length) {
    if (!fields.expect.empty()) {
      if (!equalsIgnoreCase(fields.expect, "100-continue")) {
        return error(417, "unsupported Expect header");
      }
      if (!continue_sent) {
        request.status = ParsedRequest::Status::kNeedContinue;
        return request;
      }
    }
    request.status = ParsedRequest::Status::kIncomplete;
    return request;
  }
  request.body = data.substr(body_start, body_length);
  request.consumed = body_start + body_length;
  request.status = ParsedRequest::Status::kComplete;
  return request;
}

}  // namespace

ParsedRequest parseRequest(std::string_view data, const RequestLimits& limits, bool continue_sent) {
  // A client may send empty lines between requests (RFC 9112 section 2.2).
  std::size_t start = 0;
  while (start + 1 < data.size() && data[start] == '\r' && data[start + 1] == '\n') start += 2;
  const std::size_t header_end = data.find("\r\n\r\n", start);
  if (hasBareLineFeed(data, start, header_end)) {
    return error(400, "bare LF in the request head; lines end with CRLF");
  }
  if (header_end == std::string_view::npos) {
    if (data.size() - start > limits.max_header_bytes) return headersTooLarge(limits);
    return {};
  }
  if (header_end - start > limits.max_header_bytes) return headersTooLarge(limits);

  ParsedRequest request;
  std::string_view head = data.substr(start, header_end - start);
  const std::size_t line_end = head.find("\r\n");
  if (auto failure = readRequestLine(head.substr(0, line_end), request)) return std::move(*failure);
  head = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);

  HeaderFields fields;
  while (!head.empty()) {
    const std::size_t end = head.find("\r\n");
    const std::string_view field = head.substr(0, end);
    head = end == std::string_view::npos ? std::string_view() : head.substr(end + 2);
    if (auto failure = readHeaderField(field, request, fields)) return std::move(*failure);
  }
  return readBody(data, header_end + 4, limits, continue_sent, std::move(request), fields);
}

void appendResponse(std::string& out, int status, std::string_view content_type,
                    std::string_view body, ConnectionHeader connection, bool omit_body) {
  out.reserve(out.size() + 128 + body.size());
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reasonPhrase(status);
  out += "\r\nContent-Type: ";
  out += content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(body.size());
  if (connection == ConnectionHeader::kClose) out += "\r\nConnection: close";
  if (connection == ConnectionHeader::kKeepAlive) out += "\r\nConnection: keep-alive";
  out += "\r\n\r\n";
  if (!omit_body) out += body;
}

}  // namespace irsa::server
