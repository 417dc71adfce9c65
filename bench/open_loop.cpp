// Open-loop load: each of C keep-alive TLS connections sends POST /mutate on a fixed
// schedule (rate/C per second). Latency is measured from the scheduled send time, so a
// stalled server shows up as latency instead of silently lowering the offered load.
// Usage: irsa_open_loop PORT BODY_FILE RATE CONNECTIONS SECONDS
// Prints one JSON line: offered and achieved rate, errors, p50/p99/p99.9/max in ms.

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s PORT BODY_FILE RATE CONNECTIONS SECONDS\n", argv[0]);
    return 2;
  }
  const int port = std::atoi(argv[1]);
  std::ifstream in(argv[2]);
  std::stringstream content;
  content << in.rdbuf();
  const std::string body = content.str();
  const double rate = std::atof(argv[3]);
  const int connections = std::max(1, std::atoi(argv[4]));
  const double seconds = std::atof(argv[5]);
  using Clock = std::chrono::steady_clock;

  std::mutex mutex;
  std::vector<double> latencies_ms;
  std::size_t errors = 0;
  const auto start = Clock::now() + std::chrono::milliseconds(200);
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      httplib::SSLClient client("127.0.0.1", port);
      client.enable_server_certificate_verification(false);
      client.set_keep_alive(true);
      // Headers and body go out in separate writes; without this, Nagle's algorithm and
      // delayed ACKs add ~40 ms to every request.
      client.set_tcp_nodelay(true);
      client.set_read_timeout(10, 0);
      const double per_connection = rate / connections;
      const auto interval = std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(1.0 / per_connection));
      std::vector<double> local;
      std::size_t local_errors = 0;
      // Connections start staggered so requests spread evenly over time.
      auto scheduled = start + interval * c / connections;
      while (scheduled < end) {
        std::this_thread::sleep_until(scheduled);
        const auto result = client.Post("/mutate", body, "application/json");
        const auto done = Clock::now();
        if (!result || result->status != 200) ++local_errors;
        local.push_back(std::chrono::duration<double, std::milli>(done - scheduled).count());
        scheduled += interval;
      }
      std::lock_guard lock(mutex);
      latencies_ms.insert(latencies_ms.end(), local.begin(), local.end());
      errors += local_errors;
    });
  }
  for (auto& thread : threads) thread.join();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto percentile = [&](double p) {
    if (latencies_ms.empty()) return 0.0;
    const auto index = static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1));
    return latencies_ms[index];
  };
  std::printf(
      "{\"offered_rps\":%.0f,\"achieved_rps\":%.0f,\"requests\":%zu,\"errors\":%zu,\"p50_ms\":%.3f,"
      "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}\n",
      rate, static_cast<double>(latencies_ms.size()) / seconds, latencies_ms.size(), errors,
      percentile(0.50), percentile(0.99), percentile(0.999),
      latencies_ms.empty() ? 0.0 : latencies_ms.back());
  return errors == 0 ? 0 : 1;
}
