#pragma once

// Flag values -> the option structs of the modules, in one place for the server and the
// `mutate` subcommand alike.

#include "irsa/certs/self_signed_certificates.h"
#include "irsa/config/config.h"
#include "irsa/identity/identity_resolver.h"
#include "irsa/mutate/options.h"

namespace irsa::wiring {

inline mutate::MutationOptions mutationOptions(const config::Config& c) {
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

inline identity::ResolverOptions resolverOptions(const config::Config& c) {
  identity::ResolverOptions options;
  options.annotation_prefix = c.annotation_prefix;
  options.default_audience = c.token_audience;
  options.default_regional_sts = c.sts_regional_endpoint;
  return options;
}

inline certs::SelfSignedOptions selfSignedOptions(const config::Config& c) {
  certs::SelfSignedOptions options;
  options.namespace_name = c.namespace_name;
  options.secret_name = c.cert_secret_name;
  options.service_name = c.service_name;
  options.webhook_config_name = c.webhook_config_name;
  options.certificate_file = c.tls_cert;
  options.key_file = c.tls_key;
  return options;
}

}  // namespace irsa::wiring
