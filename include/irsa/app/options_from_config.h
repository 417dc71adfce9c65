#pragma once

// Flag values -> the option structs of the modules, in one place for the server and the
// `mutate` subcommand alike.

#include "irsa/certs/self_signed_certificates.h"
#include "irsa/config/config.h"
#include "irsa/identity/identity_resolver.h"
#include "irsa/kube/service_account_cache.h"
#include "irsa/mutate/options.h"
#include "irsa/server/webhook_server.h"

namespace irsa::app {

mutate::MutationOptions mutationOptions(const config::Config& c);
identity::ResolverOptions resolverOptions(const config::Config& c);
certs::SelfSignedOptions selfSignedOptions(const config::Config& c);
kube::ServiceAccountCacheOptions serviceAccountCacheOptions(const config::Config& c);
server::ServerOptions serverOptions(const config::Config& c);

}  // namespace irsa::app
