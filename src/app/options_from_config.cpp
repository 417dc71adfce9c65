#include "irsa/app/options_from_config.h"

namespace irsa::app {

mutate::MutationOptions mutationOptions(const config::Config& c) {
  mutate::MutationOptions options;
  options.annotation_prefix = c.annotation_prefix;
  options.token_mount_path = c.token_mount_path;
  options.default_token_expiration = c.token_expiration;
  options.aws_default_region = c.aws_default_region;
  options.container_credentials_audience = c.container_credentials_audience;
  options.container_credentials_token_mount_path = c.container_credentials_token_mount_path;
  options.container_credentials_token_volume_name = c.container_credentials_token_volume_name;
  options.container_credentials_token_path = c.container_credentials_token_path;
  options.container_credentials_full_uri = c.container_credentials_full_uri;
  return options;
}

identity::ResolverOptions resolverOptions(const config::Config& c) {
  identity::ResolverOptions options;
  options.annotation_prefix = c.annotation_prefix;
  options.default_audience = c.token_audience;
  options.default_regional_sts = c.sts_regional_endpoint;
  return options;
}

certs::SelfSignedOptions selfSignedOptions(const config::Config& c) {
  certs::SelfSignedOptions options;
  options.namespace_name = c.namespace_name;
  options.secret_name = c.cert_secret_name;
  options.service_name = c.service_name;
  options.webhook_config_name = c.webhook_config_name;
  options.certificate_file = c.tls_cert;
  options.key_file = c.tls_key;
  return options;
}

kube::ServiceAccountCacheOptions serviceAccountCacheOptions(const config::Config& c) {
  kube::ServiceAccountCacheOptions options;
  options.annotation_prefix = c.annotation_prefix;
  options.resync_period = c.resync_period;
  options.lookup_grace_period = c.service_account_lookup_grace_period;
  options.sync_wait = c.cache_sync_wait;
  return options;
}

server::ServerOptions serverOptions(const config::Config& c) {
  server::ServerOptions options;
  options.bind_address = c.bind_address;
  options.port = c.port;
  options.metrics_port = c.metrics_port;
  options.tls_min_version = static_cast<int>(c.tls_min_version);
  options.cipher_suites = c.tls_cipher_suites;
  options.client_ca_file = c.client_ca_file;
  options.worker_threads = static_cast<std::size_t>(c.worker_threads);
  options.max_request_bytes = static_cast<std::size_t>(c.max_request_bytes);
  // Milliseconds end to end. A zero timeout would cut every connection at once, so it
  // means one second, as it always has.
  options.read_timeout = c.read_timeout.count() == 0 ? std::chrono::seconds(1) : c.read_timeout;
  options.write_timeout = c.write_timeout.count() == 0 ? std::chrono::seconds(1) : c.write_timeout;
  return options;
}

}  // namespace irsa::app
