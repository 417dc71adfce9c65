#include "irsa/app/app.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>

#include "app/kube_service_accounts.h"
#include "app/metrics_registration.h"
#include "app/review_handler_construction.h"
#include "irsa/app/options_from_config.h"
#include "irsa/aws/instance_metadata.h"
#include "irsa/certs/self_signed_certificates.h"
#include "irsa/identity/static_service_accounts.h"
#include "irsa/kube/api_client.h"
#include "irsa/kube/client_config.h"
#include "irsa/kube/config_map_watch.h"
#include "irsa/kube/service_account_cache.h"

namespace irsa::app {

std::optional<std::string> processEnvironment(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

App::App(const config::Config& config) : config_(config) {
  registerProcessMetrics(metrics_);
}

App::~App() {
  stopSources();
}

Result<std::unique_ptr<App>> App::create(const config::Config& config,
                                         const aws::EnvironmentLookup& environment) {
  std::unique_ptr<App> app(new App(config));
  if (Status built = app->buildServiceAccounts(); !built.ok()) return built;
  if (config.cert_mode == "self-signed") {
    if (Status started = app->startSelfSignedCertificates(); !started.ok()) return started;
  }
  identity::ResolverOptions resolver_options = resolverOptions(config);
  if (config.compose_role_arn) {
    if (Status composed = app->composeRoleArn(resolver_options, environment); !composed.ok())
      return composed;
  }
  if (!config.watch_container_credentials_config.empty()) app->watchPodIdentities();
  app->resolver_ = std::make_unique<identity::IdentityResolver>(
      resolver_options, *app->service_accounts_, app->role_mappings_.get(),
      app->pod_identities_.get());

  app->certificates_ = std::make_unique<server::CertificateStore>(config.tls_cert, config.tls_key);
  if (const Status loaded = app->certificates_->loadNow(); !loaded.ok()) {
    // Not fatal: the files may appear shortly (a Secret volume being populated). Until
    // then handshakes fail and /readyz says why.
    spdlog::error("serving certificate not loaded yet: {}", loaded.message());
  }
  app->certificates_->watch(std::chrono::seconds(1));

  app->handler_ = makeReviewHandler(config, *app->resolver_);
  App* self = app.get();
  auto readiness = [self] { return self->ready(); };
  app->server_ = std::make_unique<server::WebhookServer>(
      serverOptions(config), *app->handler_, *app->certificates_, app->metrics_, readiness);
  if (config.enable_debugging_handlers && app->cache_) {
    kube::ServiceAccountCache* cache = app->cache_.get();
    app->server_->addMetricsPage("/debug/alpha/cache", [cache] { return cache->dumpJson(); });
  }
  return app;
}

Status App::start() {
  if (Status started = server_->start(); !started.ok()) return started;
  return okStatus();
}

void App::stop() {
  server_->shutdown(config_.shutdown_drain_delay);
  spdlog::info("admission server stopped; stopping watches");
  stopSources();
}

Status App::buildServiceAccounts() {
  if (!config_.service_accounts_file.empty()) return buildStaticServiceAccounts();
  return buildKubeServiceAccounts();
}

Status App::buildStaticServiceAccounts() {
  auto created = identity::StaticServiceAccounts::createFromFile(config_.service_accounts_file,
                                                                 config_.annotation_prefix);
  if (!created.ok()) return created.status();
  std::unique_ptr<identity::StaticServiceAccounts> accounts = std::move(created).value();
  spdlog::info("using {} ServiceAccounts from {} (no Kubernetes API)", accounts->size(),
               config_.service_accounts_file);
  registerStaticServiceAccountMetrics(metrics_, accounts->size());
  service_accounts_ = std::move(accounts);
  if (config_.watch_config_map) {
    spdlog::warn(
        "--watch-config-map needs the Kubernetes API; ignored with --service-accounts-file");
  }
  return okStatus();
}

Status App::buildKubeServiceAccounts() {
  Result<kube::ClientConfig> client_config =
      kube::resolveClientConfig(config_.kubeconfig, config_.kube_api);
  if (!client_config.ok()) return client_config.status();
  const kube::ClientConfig& resolved = *client_config;
  spdlog::info("Kubernetes API {} ({})", resolved.server, resolved.origin);
  api_ = std::make_unique<kube::ApiClient>(resolved, config_.kube_api_qps, config_.kube_api_burst);
  cache_ = std::make_unique<kube::ServiceAccountCache>(*api_, serviceAccountCacheOptions(config_));
  service_accounts_ = std::make_unique<KubeServiceAccounts>(*cache_);
  registerKubeMetrics(metrics_, *api_, *cache_);
  cache_->start();
  if (config_.watch_config_map) watchConfigMap();
  return okStatus();
}

void App::watchConfigMap() {
  role_mappings_ = std::make_unique<identity::RoleMappingStore>();
  identity::RoleMappingStore* store = role_mappings_.get();
  config_map_watch_ = std::make_unique<kube::ConfigMapWatch>(
      *api_, config_.namespace_name, "pod-identity-webhook", "config", config_.resync_period,
      [store](const std::optional<std::string>& value) {
        Result<identity::RoleMappings> parsed = identity::parseRoleMappings(value.value_or(""));
        if (!parsed.ok()) {
          spdlog::error(
              "ConfigMap pod-identity-webhook not applied, keeping the previous mappings: {}",
              parsed.status().message());
          return;
        }
        spdlog::info("ConfigMap pod-identity-webhook: {} mappings", parsed->size());
        store->replace(std::move(parsed).value());
      });
  config_map_watch_->start();
}

// A missing or empty file is no identities; a malformed one is an error that keeps the
// (empty) list until the watcher reads a good one (docs/behaviour.md §4). Neither stops the
// server: the file is often a ConfigMap volume that kubelet fills in after start.
void App::watchPodIdentities() {
  const std::string& path = config_.watch_container_credentials_config;
  pod_identities_ = std::make_unique<identity::PodIdentityFile>(path);
  if (const Result<std::size_t> loaded = pod_identities_->loadNow(); loaded.ok()) {
    spdlog::info("Pod Identity file {} loaded: {} identities", path, *loaded);
  } else {
    spdlog::error("Pod Identity file {}", loaded.status().message());
  }
  pod_identities_->watch();
}

Status App::startSelfSignedCertificates() {
  if (!api_) {
    return invalidArgument(
        "--cert-mode=self-signed stores certificates in a Secret and needs the Kubernetes API, "
        "not --service-accounts-file");
  }
  // Best effort: when the directory cannot be made, SelfSignedCertificates fails to write
  // the files and logs "built-in certificates: cannot write ...", and /readyz stays false.
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(config_.tls_cert).parent_path(),
                                      ignored);
  self_signed_ = std::make_unique<certs::SelfSignedCertificates>(*api_, selfSignedOptions(config_));
  self_signed_->start();
  return okStatus();
}

Status App::composeRoleArn(identity::ResolverOptions& options,
                           const aws::EnvironmentLookup& environment) const {
  constexpr std::string_view kNeeds =
      "--compose-role-arn needs the account and region from instance metadata";
  const Result<aws::ImdsClientOptions> imds =
      aws::resolveImdsOptions(config_.imds_endpoint, aws::readImdsEnvironment(environment));
  if (!imds.ok()) return imds.status().withContext(kNeeds);
  spdlog::info("reading the instance identity document from {}", imds->endpoint.url);
  const Result<aws::InstanceIdentity> instance = aws::fetchInstanceIdentity(*imds);
  if (!instance.ok()) return instance.status().withContext(kNeeds);
  spdlog::info("composing bare role names as arn:{}:iam::{}:role/<name>", instance->partition,
               instance->account_id);
  options.compose_role_arn = identity::AccountInfo{instance->partition, instance->account_id};
  return okStatus();
}

// Readiness of every source: the ConfigMap synced when watched, the built-in certificates
// in place, the ServiceAccounts synced. The first one not ready names the reason.
Status App::ready() const {
  if (config_map_watch_ && !config_map_watch_->synced()) {
    const std::string error = config_map_watch_->lastError();
    return failedPrecondition("ConfigMap pod-identity-webhook not synced yet" +
                              (error.empty() ? std::string() : ": " + error));
  }
  if (self_signed_ && !self_signed_->ready()) {
    return failedPrecondition("built-in certificates not in place yet");
  }
  return service_accounts_->ready();
}

// In reverse order of start, each once.
void App::stopSources() {
  if (stopped_) return;
  stopped_ = true;
  if (self_signed_) self_signed_->stop();
  if (config_map_watch_) config_map_watch_->stop();
  if (cache_) cache_->stop();
}

}  // namespace irsa::app
