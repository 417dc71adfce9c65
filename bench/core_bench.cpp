// Core cost of one admission without the network: parse the AdmissionReview, resolve (a
// constant identity here), build the patch, encode the response. Allocations are counted
// with a global operator new hook so regressions in JSON handling show up as numbers.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <new>
#include <nlohmann/json.hpp>
#include <sstream>

#include "irsa/admission/review_handler.h"
#include "irsa/json/filtered_json.h"
#include "irsa/mutate/build_patch.h"

namespace {
std::atomic<std::size_t> g_allocations{0};
}

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

using nlohmann::json;

json container(int index, int env_count) {
  json env = json::array();
  for (int i = 0; i < env_count; ++i) {
    env.push_back({{"name", "VARIABLE_NUMBER_" + std::to_string(i)},
                   {"value", "some-configuration-value-" + std::to_string(i * 7919)}});
  }
  return {{"name", "container-" + std::to_string(index)},
          {"image", "registry.example.com/team/service:v1.2." + std::to_string(index)},
          {"env", env},
          {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}}}},
          {"volumeMounts", json::array({{{"name", "data"}, {"mountPath", "/data"}}})}};
}

// Same shapes bench/make_reviews.py writes for the load tests.
std::string review(int containers, int env_per_container, std::size_t pad_annotation_bytes) {
  json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"generateName", "web-"}, {"namespace", "demo"}, {"labels", {{"app", "web"}}}}},
      {"spec",
       {{"serviceAccountName", "s3-reader"},
        {"containers", json::array()},
        {"volumes", json::array({{{"name", "data"}, {"emptyDir", json::object()}}})}}}};
  for (int i = 0; i < containers; ++i)
    pod["spec"]["containers"].push_back(container(i, env_per_container));
  if (pad_annotation_bytes > 0)
    pod["metadata"]["annotations"] = {{"example.com/blob", std::string(pad_annotation_bytes, 'x')}};
  json r = {{"apiVersion", "admission.k8s.io/v1"},
            {"kind", "AdmissionReview"},
            {"request",
             {{"uid", "0f6b5ab4-1111-2222-3333-444455556666"},
              {"kind", {{"group", ""}, {"version", "v1"}, {"kind", "Pod"}}},
              {"resource", {{"group", ""}, {"version", "v1"}, {"resource", "pods"}}},
              {"namespace", "demo"},
              {"operation", "CREATE"},
              {"object", pod}}}};
  return r.dump();
}

irsa::admission::ReviewHandler makeHandler() {
  irsa::mutate::Identity identity;
  identity.role_arn = "arn:aws:iam::111122223333:role/s3-reader";
  identity.audience = "sts.amazonaws.com";
  identity.regional_sts = true;
  irsa::mutate::MutationOptions options;
  options.aws_default_region = "eu-west-1";
  return irsa::admission::ReviewHandler(
      options,
      [identity](const std::string&, const std::string&) {
        return irsa::admission::LookupResult{identity, true};
      },
      [](std::int64_t, std::int64_t high) { return high; });
}

void runReview(benchmark::State& state, const std::string& body) {
  const auto handler = makeHandler();
  std::size_t allocations = 0;
  for (auto _ : state) {
    const std::size_t before = g_allocations.load(std::memory_order_relaxed);
    auto response = handler.handle(body);
    benchmark::DoNotOptimize(response);
    allocations += g_allocations.load(std::memory_order_relaxed) - before;
    if (response.outcome != irsa::admission::Outcome::kMutated)
      state.SkipWithError("unexpected outcome");
  }
  state.counters["allocs_per_review"] = benchmark::Counter(static_cast<double>(allocations) /
                                                           static_cast<double>(state.iterations()));
  state.counters["body_bytes"] = static_cast<double>(body.size());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

void BM_Review_SmallPod(benchmark::State& state) {
  runReview(state, review(1, 2, 0));
}
void BM_Review_TenContainersLongEnv(benchmark::State& state) {
  runReview(state, review(10, 40, 0));
}
void BM_Review_200KBPod(benchmark::State& state) {
  runReview(state, review(2, 5, 200 * 1024));
}

void BM_BuildPatchOnly_SmallPod(benchmark::State& state) {
  const json pod = json::parse(review(1, 2, 0))["request"]["object"];
  irsa::mutate::Identity identity;
  identity.role_arn = "arn:aws:iam::111122223333:role/s3-reader";
  identity.audience = "sts.amazonaws.com";
  const irsa::mutate::MutationOptions options;
  const irsa::mutate::RandomInt random = [](std::int64_t, std::int64_t high) { return high; };
  for (auto _ : state) {
    auto result = irsa::mutate::buildPatch(pod, identity, options, random);
    benchmark::DoNotOptimize(result);
  }
}

// Where the time goes: parsing alone, the way the handler does it (validate everything,
// build what the rules read) and, for comparison, nlohmann's full DOM.
void BM_FilteredParse_SmallPod(benchmark::State& state) {
  const std::string body = review(1, 2, 0);
  irsa::json::JsonFilter request;
  request.member("uid").member("operation").member("namespace");
  request.member("object", irsa::mutate::podFieldsRead(irsa::mutate::MutationOptions{}));
  const irsa::json::JsonFilter filter =
      irsa::json::JsonFilter().member("apiVersion").member("kind").member("request", request);
  for (auto _ : state) {
    auto parsed = irsa::json::parseFiltered(body, filter);
    benchmark::DoNotOptimize(parsed);
  }
}

void BM_NlohmannDomParse_SmallPod(benchmark::State& state) {
  const std::string body = review(1, 2, 0);
  for (auto _ : state) {
    auto parsed = json::parse(body);
    benchmark::DoNotOptimize(parsed);
  }
}

BENCHMARK(BM_Review_SmallPod);
BENCHMARK(BM_FilteredParse_SmallPod);
BENCHMARK(BM_NlohmannDomParse_SmallPod);
BENCHMARK(BM_Review_TenContainersLongEnv);
BENCHMARK(BM_Review_200KBPod);
BENCHMARK(BM_BuildPatchOnly_SmallPod);

}  // namespace

BENCHMARK_MAIN();
