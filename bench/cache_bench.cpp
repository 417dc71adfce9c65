// Memory and start-up with many ServiceAccounts: starts the fake API server with N
// ServiceAccounts (10% annotated, each with a 200-byte unrelated annotation as real
// clusters have), runs the irsa-webhook binary against it and reports time to /readyz 200
// and the webhook's RSS. Also measures the cache-miss path: a ServiceAccount created while
// its Pod's admission waits in the grace period.
// Usage: irsa_cache_bench WEBHOOK_BINARY COUNT [COUNT...]
//        irsa_cache_bench --contention WEBHOOK_BINARY SECONDS
// The second form measures lock contention: wrk throughput at 16 connections with and
// without the watch applying 1,000 ServiceAccount updates per second.

#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/fake_api_server.h"
#include "support/tls_test_files.h"
#include "support/webhook_process.h"

namespace {

long rssKilobytes(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// Machine-wide CPU time from /proc/stat, in ticks: {idle (idle + iowait), total}.
std::pair<long long, long long> machineTicks() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  stat >> cpu;
  long long total = 0;
  long long idle = 0;
  for (int field = 0; field < 10; ++field) {
    long long value = 0;
    stat >> value;
    total += value;
    if (field == 3 || field == 4) idle += value;
  }
  return {idle, total};
}

// utime + stime of every thread of a process, in ticks.
long long processTicks(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // after "pid (comm) "
  std::string field;
  long long ticks = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14 || index == 15) ticks += std::stoll(field);
    if (index == 15) break;
  }
  return ticks;
}

// Where the machine's CPU went during one measured phase.
struct CpuShares {
  long long idle = 0;
  long long total = 0;
  long long ours = 0;  // this process: the fake API server and the update writer
  long long webhook = 0;
};

int pidOnPort(int port) {
  // The webhook is our only child listening on `port`; find it through /proc.
  std::string output;
  irsa::test::runCommand(
      {"/usr/bin/env", "bash", "-c",
       "for p in $(pgrep -f -- '--port=" + std::to_string(port) + "'); do echo $p; done | head -1"},
      &output);
  return output.empty() ? -1 : std::stoi(output);
}

std::string review(const std::string& ns, const std::string& sa) {
  return R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":")" +
         ns +
         R"(","operation":"CREATE","object":{"metadata":{"name":"p"},"spec":{"serviceAccountName":")" +
         sa + R"(","containers":[{"name":"c"}]}}}})";
}

}  // namespace

int contention(const std::string& binary, int seconds) {
  irsa::test::FakeApiServer api;
  api.bulkAddServiceAccounts(10000);
  irsa::test::TempDir dir;
  irsa::test::installCertificates(dir, irsa::test::makeTestCertificates());
  const int port = irsa::test::freePort();
  irsa::test::WebhookProcess webhook(
      binary,
      {"--bind-address=127.0.0.1", "--port=" + std::to_string(port), "--metrics-port=0",
       "--tls-cert=" + dir.file("tls.crt"), "--tls-key=" + dir.file("tls.key"),
       "--kubeconfig=" + api.writeKubeconfig(dir), "--shutdown-drain-delay=0s",
       "--worker-threads=128"},
      dir.file("webhook.log"));
  if (!webhook.waitReady(port, 60000)) return 1;
  irsa::test::writeFile(dir.file("review.json"), review("ns-0", "sa-0"));
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/mutate";
  auto run_wrk = [&] {
    std::string output;
    irsa::test::runCommand(
        {"/usr/bin/env", "BODY_FILE=" + dir.file("review.json"), "wrk", "-t2", "-c16",
         "-d" + std::to_string(seconds) + "s", "-s", "bench/post.lua", url},
        &output);
    const auto at = output.find("Requests/sec:");
    return at == std::string::npos ? 0.0 : std::stod(output.substr(at + 13));
  };
  // Quiet and updating phases alternate, three of each, and the medians are reported: on
  // a shared machine throughput drifts over a minute by more than the effect measured.
  auto median = [](std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
  };
  std::vector<double> quiet_runs;
  std::vector<double> busy_runs;
  std::atomic<long> updates{0};
  double updating_seconds = 0;
  const int webhook_pid = pidOnPort(port);
  CpuShares quiet_cpu;
  CpuShares busy_cpu;
  // Runs one wrk phase and adds where the CPU went to `into`.
  auto measured = [&](CpuShares& into) {
    const auto [idle0, total0] = machineTicks();
    const long long ours0 = processTicks(getpid());
    const long long hook0 = processTicks(webhook_pid);
    const double rps = run_wrk();
    const auto [idle1, total1] = machineTicks();
    into.idle += idle1 - idle0;
    into.total += total1 - total0;
    into.ours += processTicks(getpid()) - ours0;
    into.webhook += processTicks(webhook_pid) - hook0;
    return rps;
  };
  for (int round = 0; round < 3; ++round) {
    quiet_runs.push_back(measured(quiet_cpu));
    std::atomic<bool> updating{true};
    const auto started = std::chrono::steady_clock::now();
    std::thread writer([&, round] {
      auto next = std::chrono::steady_clock::now();
      for (long i = round * 100000L; updating; ++i) {
        // Annotated ServiceAccounts of other namespaces change; the reviewed one does not.
        api.put("serviceaccounts", "ns-" + std::to_string(1 + i % 999),
                "sa-" + std::to_string(1000 + i % 9000),
                {{"eks.amazonaws.com/role-arn",
                  "arn:aws:iam::111122223333:role/r" + std::to_string(i)}});
        ++updates;
        next += std::chrono::milliseconds(1);
        std::this_thread::sleep_until(next);
      }
    });
    busy_runs.push_back(measured(busy_cpu));
    updating = false;
    writer.join();
    updating_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  const double quiet = median(quiet_runs);
  const double busy = median(busy_runs);
  auto share = [](long long part, long long total) {
    return total > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(total) : 0.0;
  };
  // Lock waits would leave CPU idle while requests queue; CPU sharing leaves none idle and
  // shows up as the fake API server's and the webhook's shares.
  std::printf(
      "{\"quiet_rps\":%.0f,\"with_updates_rps\":%.0f,\"updates_per_second\":%.0f,"
      "\"idle_pct_quiet\":%.1f,\"idle_pct_updating\":%.1f,\"webhook_cpu_pct_quiet\":%.1f,"
      "\"webhook_cpu_pct_updating\":%.1f,\"fake_api_cpu_pct_updating\":%.1f}\n",
      quiet, busy, static_cast<double>(updates.load()) / updating_seconds,
      share(quiet_cpu.idle, quiet_cpu.total), share(busy_cpu.idle, busy_cpu.total),
      share(quiet_cpu.webhook, quiet_cpu.total), share(busy_cpu.webhook, busy_cpu.total),
      share(busy_cpu.ours, busy_cpu.total));
  webhook.signal(SIGTERM);
  webhook.wait(20000);
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--contention")
    return contention(argv[2], std::atoi(argv[3]));
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s WEBHOOK_BINARY COUNT [COUNT...]\n", argv[0]);
    return 2;
  }
  const std::string binary = argv[1];
  for (int i = 2; i < argc; ++i) {
    const int count = std::atoi(argv[i]);
    irsa::test::FakeApiServer api;
    api.bulkAddServiceAccounts(count);
    irsa::test::TempDir dir;
    irsa::test::installCertificates(dir, irsa::test::makeTestCertificates());
    const std::string kubeconfig = api.writeKubeconfig(dir);
    const int port = irsa::test::freePort();
    const auto started = std::chrono::steady_clock::now();
    irsa::test::WebhookProcess webhook(
        binary,
        {"--bind-address=127.0.0.1", "--port=" + std::to_string(port),
         "--metrics-port=" + std::to_string(irsa::test::freePort()),
         "--tls-cert=" + dir.file("tls.crt"), "--tls-key=" + dir.file("tls.key"),
         "--kubeconfig=" + kubeconfig, "--shutdown-drain-delay=0s",
         "--service-account-lookup-grace-period=1s"},
        dir.file("webhook.log"));
    if (!webhook.waitReady(port, 120000)) {
      std::fprintf(stderr, "webhook not ready:\n%s\n",
                   irsa::test::readFile(dir.file("webhook.log")).c_str());
      return 1;
    }
    const double ready_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const int pid = pidOnPort(port);

    // Cache miss: the Pod's admission starts, the ServiceAccount appears 30 ms later.
    httplib::SSLClient client("127.0.0.1", port);
    client.enable_server_certificate_verification(false);
    std::thread creator([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      api.put("serviceaccounts", "late", "arrival",
              {{"eks.amazonaws.com/role-arn", "arn:aws:iam::1:role/late"}});
    });
    const auto miss_started = std::chrono::steady_clock::now();
    const auto response = client.Post("/mutate", review("late", "arrival"), "application/json");
    const double miss_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - miss_started)
            .count();
    creator.join();
    const bool mutated = response && response->body.find("JSONPatch") != std::string::npos;

    std::printf(
        "{\"service_accounts\":%d,\"ready_seconds\":%.2f,\"rss_mb\":%.1f,\"miss_latency_ms\":%.1f,"
        "\"miss_mutated\":%s}\n",
        count, ready_seconds, static_cast<double>(rssKilobytes(pid)) / 1024.0, miss_ms,
        mutated ? "true" : "false");
    std::fflush(stdout);
    webhook.signal(SIGTERM);
    webhook.wait(20000);
  }
  return 0;
}
