// The Kubernetes-backed ServiceAccount source the composition root builds: kube's cache
// seen through identity's ServiceAccountSource.
#include "app/kube_service_accounts.h"

#include <gtest/gtest.h>

#include <thread>

#include "irsa/kube/api_client.h"
#include "irsa/kube/client_config.h"
#include "support/fake_api_server.h"

namespace irsa::app {
namespace {

using namespace std::chrono_literals;

TEST(KubeServiceAccounts, ReadinessAndLookupsFollowTheCache) {
  test::FakeApiServer api;
  test::TempDir dir;
  api.put("serviceaccounts", "team", "builder",
          {{"eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/builder"},
           {"unrelated.example.com/owner", "someone"}});
  const Result<kube::ClientConfig> client_config = kube::loadKubeconfig(api.writeKubeconfig(dir));
  ASSERT_TRUE(client_config.ok()) << client_config.status().message();
  kube::ApiClient client(*client_config, 1000, 1000);
  kube::ServiceAccountCacheOptions options;
  options.resync_period = 0ms;
  options.lookup_grace_period = 0ms;
  kube::ServiceAccountCache cache(client, options);
  KubeServiceAccounts source(cache);

  const Status before_sync = source.ready();
  EXPECT_EQ(before_sync.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(before_sync.message().rfind("ServiceAccount cache not synced yet", 0), 0u)
      << before_sync.message();

  cache.start();
  Status ready = source.ready();
  for (int attempt = 0; attempt < 500 && !ready.ok(); ++attempt) {  // at most 5 s
    std::this_thread::sleep_for(10ms);
    ready = source.ready();
  }
  ASSERT_TRUE(ready.ok()) << ready.message();

  const std::optional<identity::ServiceAccount> found = source.find("team", "builder");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->namespace_name, "team");
  EXPECT_EQ(found->name, "builder");
  EXPECT_EQ(found->annotations.at("eks.amazonaws.com/role-arn"),
            "arn:aws:iam::111122223333:role/builder");
  // The cache keeps only annotations under the prefix.
  EXPECT_EQ(found->annotations.count("unrelated.example.com/owner"), 0u);
  cache.stop();
}

}  // namespace
}  // namespace irsa::app
