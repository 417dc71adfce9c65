// Memory after large bodies comes back (docs/performance.md, "Memory").

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "server/server_fixture.h"

namespace irsa::server {
namespace {

using test::RawTlsClient;
using MemoryReleaseTest = ServerTest;

// Resident set size of this process, from /proc/self/statm (in pages).
long residentBytes() {
  std::ifstream statm("/proc/self/statm");
  long size = 0;
  long resident = 0;
  statm >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

std::string mutateRequest(const std::string& body) {
  return "POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A valid review of about `bytes`: the Pod carries one large annotation.
std::string largeReview(std::size_t bytes) {
  std::string review = podReview();
  const std::string metadata = R"("metadata":{"name":"p")";
  review.replace(
      review.find(metadata), metadata.size(),
      R"("metadata":{"name":"p","annotations":{"big":")" + std::string(bytes, 'x') + R"("})");
  return review;
}

TEST_F(MemoryReleaseTest, RssReturnsNearIdleAfterManyLargeBodies) {
  ServerOptions options;
  options.max_request_bytes = std::size_t{8} * 1024 * 1024;
  startServer(options);
  RawTlsClient client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send(mutateRequest(podReview())));
  client.readUntil("JSONPatch");
  std::this_thread::sleep_for(1500ms);  // the server trims once idle for a second
  const long idle = residentBytes();
  {
    const std::string request = mutateRequest(largeReview(std::size_t{4} * 1024 * 1024));
    for (int i = 1; i <= 50; ++i) {
      ASSERT_TRUE(client.send(request));
      client.readUntil("JSONPatch", i + 1);
      ASSERT_EQ(client.occurrences("JSONPatch"), i + 1) << "request " << i << " unanswered";
    }
  }
  std::this_thread::sleep_for(1500ms);
  const long after = residentBytes();
  EXPECT_LT(after - idle, 12L * 1024 * 1024)
      << "idle " << idle / 1024 << " KiB, after 50 x 4 MiB " << after / 1024 << " KiB";
}

}  // namespace
}  // namespace irsa::server
