#pragma once

// The composition root: builds every source the flags ask for (static ServiceAccounts or
// the Kubernetes API cache, the ConfigMap mappings, the Pod Identity file, self-signed
// certificates, instance metadata), the admission handler and the server, and owns every
// one of them and every thread they run. Members are destroyed in reverse order of
// construction, so nothing outlives what it refers to.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "irsa/admission/review_handler.h"
#include "irsa/aws/imds_settings.h"
#include "irsa/config/config.h"
#include "irsa/identity/identity_resolver.h"
#include "irsa/identity/pod_identity_file.h"
#include "irsa/identity/role_mappings.h"
#include "irsa/identity/service_account.h"
#include "irsa/server/certificate_store.h"
#include "irsa/server/metrics.h"
#include "irsa/server/webhook_server.h"
#include "irsa/status/result.h"

namespace irsa::certs {
class SelfSignedCertificates;
}  // namespace irsa::certs
namespace irsa::kube {
class ApiClient;
class ConfigMapWatch;
class ServiceAccountCache;
}  // namespace irsa::kube

namespace irsa::app {

// A variable of this process's environment (std::getenv). The only reader of the AWS SDK's
// IMDS variables; tests pass their own lookup to App::create instead.
std::optional<std::string> processEnvironment(std::string_view name);

class App {
 public:
  // Builds and starts every source; the error says which flag cannot be honoured.
  // `environment` supplies the AWS_EC2_METADATA_* variables (docs/behaviour.md §1.4).
  static Result<std::unique_ptr<App>> create(
      const config::Config& config, const aws::EnvironmentLookup& environment = processEnvironment);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Loads the serving certificate and binds both listeners.
  Status start();
  // Graceful stop: drains the server (docs/behaviour.md §6), then stops every source.
  void stop();

  int port() const { return server_ ? server_->port() : 0; }
  int metricsPort() const { return server_ ? server_->metricsPort() : 0; }

 private:
  explicit App(const config::Config& config);
  Status buildServiceAccounts();
  Status buildStaticServiceAccounts();
  Status buildKubeServiceAccounts();
  void watchConfigMap();
  void watchPodIdentities();
  Status startSelfSignedCertificates();
  Status composeRoleArn(identity::ResolverOptions& options,
                        const aws::EnvironmentLookup& environment) const;
  Status ready() const;
  void stopSources();

  const config::Config config_;
  server::MetricsRegistry metrics_;
  std::unique_ptr<kube::ApiClient> api_;  // set when the Kubernetes API is used
  std::unique_ptr<kube::ServiceAccountCache> cache_;
  std::unique_ptr<identity::ServiceAccountSource> service_accounts_;
  std::unique_ptr<identity::RoleMappingStore> role_mappings_;
  std::unique_ptr<kube::ConfigMapWatch> config_map_watch_;
  std::unique_ptr<certs::SelfSignedCertificates> self_signed_;
  std::unique_ptr<identity::PodIdentityFile> pod_identities_;
  std::unique_ptr<identity::IdentityResolver> resolver_;
  std::unique_ptr<server::CertificateStore> certificates_;
  std::unique_ptr<admission::ReviewHandler> handler_;
  std::unique_ptr<server::WebhookServer> server_;
  bool stopped_ = false;
};

}  // namespace irsa::app
