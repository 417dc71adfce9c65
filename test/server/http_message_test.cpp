#include "server/http_message.h"

#include <gtest/gtest.h>

namespace irsa::server {
namespace {

using Status = ParsedRequest::Status;

ParsedRequest parse(std::string_view data, bool continue_sent = false, RequestLimits limits = {}) {
  return parseRequest(data, limits, continue_sent);
}

TEST(ParseRequest, CompleteRequestWithBody) {
  const std::string data =
      "POST /mutate?timeout=10s HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
      "Content-Length: 4\r\n\r\n{\"a\"";
  const ParsedRequest request = parse(data);
  ASSERT_EQ(request.status, Status::kComplete);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/mutate");
  EXPECT_EQ(request.content_type, "application/json");
  EXPECT_EQ(request.body, "{\"a\"");
  EXPECT_TRUE(request.keep_alive);
  EXPECT_EQ(request.consumed, data.size());
}

TEST(ParseRequest, IncompleteUntilTheLastBodyByte) {
  const std::string data = "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab";
  EXPECT_EQ(parse(data).status, Status::kIncomplete);
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nContent-Le").status, Status::kIncomplete);
  EXPECT_EQ(parse(data + "c").status, Status::kComplete);
}

TEST(ParseRequest, PipelinedRequestsAreTakenOneAtATime) {
  const std::string first = "GET /healthz HTTP/1.1\r\n\r\n";
  const std::string second = "GET /readyz HTTP/1.1\r\nConnection: close\r\n\r\n";
  const ParsedRequest a = parse(first + second);
  ASSERT_EQ(a.status, Status::kComplete);
  EXPECT_EQ(a.consumed, first.size());
  const ParsedRequest b = parse(second);
  ASSERT_EQ(b.status, Status::kComplete);
  EXPECT_EQ(b.path, "/readyz");
  EXPECT_FALSE(b.keep_alive);
}

TEST(ParseRequest, ConnectionSemanticsPerVersion) {
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").keep_alive);
  const ParsedRequest kept = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
  EXPECT_TRUE(kept.keep_alive);
  EXPECT_TRUE(kept.http_1_0);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nConnection: TE, close\r\n\r\n").keep_alive);
  EXPECT_TRUE(parse("GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n").keep_alive);
}

TEST(ParseRequest, ExpectContinueAsksForTheBodyOnce) {
  const std::string head =
      "POST /mutate HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  EXPECT_EQ(parse(head).status, Status::kNeedContinue);
  EXPECT_EQ(parse(head, /*continue_sent=*/true).status, Status::kIncomplete);
  EXPECT_EQ(parse(head + "{}").status, Status::kComplete) << "body already here: no 100";
  const ParsedRequest odd =
      parse("POST / HTTP/1.1\r\nExpect: something-else\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(odd.status, Status::kError);
  EXPECT_EQ(odd.error_status, 417);
}

TEST(ParseRequest, OversizedBodyIs413BeforeItArrives) {
  RequestLimits limits;
  limits.max_body_bytes = 10;
  const ParsedRequest request =
      parse("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n0123", false, limits);
  ASSERT_EQ(request.status, Status::kError);
  EXPECT_EQ(request.error_status, 413);
  EXPECT_EQ(request.unread_body_bytes, 96u);
  EXPECT_FALSE(request.keep_alive);
}

TEST(ParseRequest, RejectsWhatItCannotServeSafely) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411},
      {"GET / HTTP/2.0\r\n\r\n", 505},
      {"GET /\r\n\r\n", 400},
      {"GET  / HTTP/1.1\r\n\r\n", 400},
      {"G(T / HTTP/1.1\r\n\r\n", 400},
      {"GET http://x/ HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nNo-Colon\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nBad Name: b\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 400},
  };
  for (const auto& [data, status] : cases) {
    const ParsedRequest request = parse(data);
    EXPECT_EQ(request.status, Status::kError) << data;
    EXPECT_EQ(request.error_status, status) << data;
    EXPECT_FALSE(request.error_reason.empty());
  }
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx").status,
            Status::kComplete)
      << "repeated equal lengths are allowed";
}

TEST(ParseRequest, HeaderSizeIsBounded) {
  RequestLimits limits;
  limits.max_header_bytes = 64;
  const std::string endless = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a');
  const ParsedRequest request = parse(endless, false, limits);
  EXPECT_EQ(request.status, Status::kError);
  EXPECT_EQ(request.error_status, 431);
}

TEST(ParseRequest, LeadingEmptyLinesAndHeadRequests) {
  const ParsedRequest request = parse("\r\n\r\nHEAD /healthz HTTP/1.1\r\n\r\n");
  ASSERT_EQ(request.status, Status::kComplete);
  EXPECT_TRUE(request.head);
  EXPECT_EQ(request.path, "/healthz");
}

TEST(AppendResponse, WritesStatusHeadersAndBody) {
  std::string out;
  appendResponse(out, 413, "text/plain", "too big\n", ConnectionHeader::kClose);
  EXPECT_EQ(out,
            "HTTP/1.1 413 Content Too Large\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n"
            "Connection: close\r\n\r\ntoo big\n");
  out.clear();
  appendResponse(out, 200, "text/plain", "ok\n", ConnectionHeader::kKeepAlive, /*omit_body=*/true);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
            "Connection: keep-alive\r\n\r\n");
}

// Found by the bad-input matrix: a head ended by bare LFs was never complete (the client
// waited for the read timeout), and a NUL in a header value was accepted.
TEST(ParseRequest, BareLineFeedIsRefusedAtOnce) {
  for (const std::string_view data :
       {"GET / HTTP/1.1\n\n", "GET / HTTP/1.1\r\nHost: x\n\r\n", "GET / HTTP/1.1\nHost: x"}) {
    const ParsedRequest request = parse(data);
    EXPECT_EQ(request.status, Status::kError) << data;
    EXPECT_EQ(request.error_status, 400) << data;
  }
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n").status, Status::kComplete);
}

TEST(ParseRequest, ControlCharactersInHeaderValuesAreRefused) {
  const std::string nul = std::string("GET / HTTP/1.1\r\nX-A: a") + '\0' + "b\r\n\r\n";
  EXPECT_EQ(parse(nul).error_status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nX-A: a\x01\r\n\r\n").error_status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nX-A: a\tb\r\n\r\n").status, Status::kComplete);
}

}  // namespace
}  // namespace irsa::server
