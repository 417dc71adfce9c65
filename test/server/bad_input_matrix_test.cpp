// Bad input, table-driven: every case gets a clear 4xx or a correct patch, never a 5xx, a
// hang or a crash (docs/security.md, "Input handling"). Chunked bodies get 411.

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "server/server_fixture.h"

namespace irsa::server {
namespace {

using test::RawTlsClient;
using namespace std::string_literals;

struct BadInput {
  std::string name;
  std::string bytes;       // sent as they are
  std::set<int> statuses;  // the acceptable answers
  bool patch = false;      // a 200 must carry a JSONPatch
};

std::string post(const std::string& body, const std::string& type = "application/json") {
  return "POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The fixture's review with `from` (first occurrence) replaced by `to`.
std::string reviewWith(const std::string& from, const std::string& to) {
  std::string review = podReview();
  review.replace(review.find(from), from.size(), to);
  return review;
}

std::string manyContainers(int count) {
  std::string list;
  for (int i = 0; i < count; ++i) {
    list += std::string(i == 0 ? "" : ",") + R"({"name":"c)" + std::to_string(i) + "\"}";
  }
  return reviewWith(R"([{"name":"c"}])", "[" + list + "]");
}

std::vector<BadInput> cases() {
  const std::string head = "POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
  const std::string review = podReview();
  return {
      {"malformed json", post("{\"apiVersion\":"), {400}},
      {"huge body", head + "Content-Length: 99999999999\r\n\r\n{", {413}},
      {"deeply nested", post(std::string(100000, '[') + std::string(100000, ']')), {400}},
      {"wrong content type", post(review, "text/plain"), {415}},
      {"content length shorter than body",
       post(review).replace(post(review).find("Content-Length: ") + 16,
                            std::to_string(review.size()).size(),
                            std::to_string(review.size() / 2)),
       {400}},
      {"conflicting content lengths",
       head + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
       {400}},
      {"non-numeric content length", head + "Content-Length: -1\r\n\r\n", {400}},
      {"chunked body", head + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", {411}},
      {"headers over the limit", head + "X-Big: " + std::string(20000, 'a') + "\r\n\r\n", {431}},
      {"bare LF", "GET /healthz HTTP/1.1\nHost: x\n\n", {400}},
      {"bare LF after a CRLF line", "GET /healthz HTTP/1.1\r\nHost: x\n\r\n", {400}},
      {"NUL in a header value", "GET /healthz HTTP/1.1\r\nX-A: a\0b\r\n\r\n"s, {400}},
      {"NUL in a header name", "GET /healthz HTTP/1.1\r\nX\0A: b\r\n\r\n"s, {400}},
      {"duplicated JSON keys",
       post(reviewWith(R"("uid":"u-1",)", R"("uid":"u-0","uid":"u-1",)")),
       {200, 400},
       true},
      {"null metadata",
       post(reviewWith(R"("metadata":{"name":"p"})", R"("metadata":null)")),
       {200, 400},
       true},
      {"null annotations",
       post(reviewWith(R"({"name":"p"})", R"({"name":"p","annotations":null,"labels":null})")),
       {200, 400},
       true},
      {"null containers", post(reviewWith(R"([{"name":"c"}])", "null")), {200, 400}},
      {"null env and mounts",
       post(reviewWith(R"({"name":"c"})", R"({"name":"c","env":null,"volumeMounts":null})")),
       {200, 400},
       true},
      {"null volumes and init containers",
       post(reviewWith(R"("serviceAccountName":"app",)",
                       R"("serviceAccountName":"app","volumes":null,"initContainers":null,)")),
       {200, 400},
       true},
      {"null namespace and uid",
       post(reviewWith(R"("namespace":"ns",)", R"("namespace":null,)")),
       {200, 400}},
      {"null request",
       post(R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":null})"),
       {400}},
      {"10000 containers", post(manyContainers(10000)), {200}, true},
      {"1 MB annotation",
       post(reviewWith(R"({"name":"p"})",
                       R"({"name":"p","annotations":{"a":")" + std::string(1000000, 'v') + "\"}}")),
       {200},
       true},
      {"token expiration out of range",
       post(reviewWith(
           R"({"name":"p"})",
           R"({"name":"p","annotations":{"eks.amazonaws.com/token-expiration":"99999999999999999999999"}})")),
       {200, 400},
       true},
      {"integer out of range in the Pod",
       post(reviewWith(R"({"name":"c"})", R"({"name":"c","ports":[{"containerPort":1e400}]})")),
       {200, 400},
       true},
      {"negative huge integer",
       post(reviewWith(R"({"name":"c"})",
                       R"({"name":"c","ports":[{"containerPort":-99999999999999999999999999}]})")),
       {200, 400},
       true},
  };
}

int statusOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return -1;
  return std::stoi(response.substr(9, 3));
}

TEST_F(ServerTest, BadInputMatrix) {
  ServerOptions options;
  options.read_timeout = 3s;
  startServer(options);
  for (const BadInput& input : cases()) {
    SCOPED_TRACE(input.name);
    const auto started = std::chrono::steady_clock::now();
    RawTlsClient client(server_->port());
    ASSERT_TRUE(client.connected());
    client.send(input.bytes);
    const std::string response = client.readResponse();
    const int status = statusOf(response);
    EXPECT_TRUE(input.statuses.count(status) == 1)
        << "status " << status << ": " << response.substr(0, 300);
    if (status == 200 && input.patch) {
      EXPECT_NE(response.find("JSONPatch"), std::string::npos);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s)
        << "answered only by the read timeout";
  }
  EXPECT_EQ(newClient()->Get("/healthz")->status, 200) << "the server survived the matrix";
}

}  // namespace
}  // namespace irsa::server
